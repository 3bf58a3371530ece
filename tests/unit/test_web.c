/*
 * test_web.c - unit tests of master/web.c: which Accept-Encoding values allow gzip, which
 * If-None-Match values match an asset's ETag, and the embedded assets' table (build/gen).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "web.h"

static void test_accepts_gzip(void **state)
{
	(void)state;
	assert_true(web_accepts_gzip("gzip"));
	assert_true(web_accepts_gzip("gzip, deflate, br"));
	assert_true(web_accepts_gzip("br;q=1.0, GZIP;q=0.5"));
	assert_true(web_accepts_gzip("*"));
	assert_true(web_accepts_gzip("identity, gzip ; q=0.001"));
	assert_false(web_accepts_gzip(NULL));
	assert_false(web_accepts_gzip(""));
	assert_false(web_accepts_gzip("deflate, br"));
	assert_false(web_accepts_gzip("gzip;q=0"));
	assert_false(web_accepts_gzip("gzip;q=0.000, br"));
	assert_false(web_accepts_gzip("x-gzip"));
	assert_false(web_accepts_gzip("gzipx"));
	assert_false(web_accepts_gzip("*;q=0"));
}

static void test_etag_matches(void **state)
{
	(void)state;
	const char *h = "0123456789abcdef0123";
	assert_true(web_etag_matches("\"0123456789abcdef0123\"", h));
	assert_true(web_etag_matches("\"0123456789abcdef0123.gz\"", h));
	assert_true(web_etag_matches("W/\"0123456789abcdef0123\"", h));
	assert_true(web_etag_matches("\"aaaa\", \"0123456789abcdef0123\"", h));
	assert_true(web_etag_matches("*", h));
	assert_false(web_etag_matches(NULL, h));
	assert_false(web_etag_matches("", h));
	assert_false(web_etag_matches("\"0123456789abcdef012\"", h));
	assert_false(web_etag_matches("\"0123456789abcdef01234\"", h));
	assert_false(web_etag_matches("0123456789abcdef0123", h));
	assert_false(web_etag_matches("\"0123456789abcdef0123.br\"", h));
}

static void test_assets_table(void **state)
{
	(void)state;
	int root = 0;
	assert_true(web_nassets >= 3);
	for (size_t i = 0; i < web_nassets; i++) {
		const struct web_asset *a = &web_assets[i];
		root += !strcmp(a->path, "/");
		assert_true(a->len > 0 && a->gzlen > 18);
		assert_int_equal((unsigned char)a->gz[0], 0x1f); /* gzip magic */
		assert_int_equal((unsigned char)a->gz[1], 0x8b);
		assert_int_equal(strlen(a->hash), 20);
		assert_non_null(strstr(a->type, "charset=utf-8"));
	}
	assert_int_equal(root, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepts_gzip),
		cmocka_unit_test(test_etag_matches),
		cmocka_unit_test(test_assets_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
