/*
 * test_files.c - unit tests of the multi-file pieces: the relative-path rule (relpath.c),
 * base64 and the UTF-8 check (b64.c), "files" / "main" / "output_files" through request_parse
 * (master/files.c), and the worker's H_FILES decoding and JSON rendering (workers/outfiles.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "outfiles.h"
#include "relpath.h"
#include "request.h"
#include "request_check.h"
#include "wire.h"

static void test_relpath(void **state)
{
	(void)state;
	const char *good[] = { "a", "main.py", "pkg/__init__.py", "a/b/c/d.txt", "..a", "a..",
			       ".hidden", "sp ace", "\xc3\xa9t\xc3\xa9.txt" };
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (relpath_check(good[i], strlen(good[i]), NULL) < 0)
			fail_msg("\"%s\" refused", good[i]);
	struct { const char *p, *why; } badn[] = {
		{ "", "empty" }, { "/etc/x", "absolute" }, { "../x", "\"..\"" },
		{ "a/../b", "\"..\"" }, { "a//b", "empty component" }, { "a/", "empty component" },
		{ ".", "\".\"" }, { "a/./b", "\".\"" }, { "a/b/c/d/e", "4 levels" },
		{ "a\nb", "control" }, { "a\x7f", "control" }, { "tab\there", "control" },
	};
	for (size_t i = 0; i < sizeof(badn) / sizeof(badn[0]); i++) {
		const char *why = NULL;
		assert_int_equal(relpath_check(badn[i].p, strlen(badn[i].p), &why), -1);
		if (!strstr(why, badn[i].why))
			fail_msg("\"%s\": \"%s\" lacks \"%s\"", badn[i].p, why, badn[i].why);
	}
	assert_int_equal(relpath_check("a\0b", 3, NULL), -1);
	char n[300];
	memset(n, 'x', sizeof(n));
	assert_int_equal(relpath_check(n, 255, NULL), 0);
	assert_int_equal(relpath_check(n, 256, NULL), -1);
}

static void dec(const char *in, const char *want, long wantlen)
{
	unsigned char out[64];
	long n = b64_decode(in, strlen(in), out);
	if (n != wantlen)
		fail_msg("\"%s\": %ld bytes, want %ld", in, n, wantlen);
	assert_int_equal(b64_decode(in, strlen(in), NULL), wantlen);
	if (n > 0)
		assert_memory_equal(out, want, (size_t)n);
}

static void test_base64(void **state)
{
	(void)state;
	dec("", "", 0);
	dec("Zg==", "f", 1);
	dec("Zm8=", "fo", 2);
	dec("Zm9v", "foo", 3);
	dec("Zm9vYg", "foob", 4);
	dec("Zm9vYmE=", "fooba", 5);
	dec("Zm9v\r\nYmFy", "foobar", 6);
	dec("/wAB", "\xff\x00\x01", 3);
	const char *bad[] = { "Z", "Zm9vY", "Zg=", "Zg===", "=Zg", "Zg==Zg==", "Zm9v!", "Zh==",
			      "Zm9=", "-_8=" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (b64_decode(bad[i], strlen(bad[i]), NULL) != -1)
			fail_msg("\"%s\" accepted", bad[i]);
	const char *round[] = { "", "a", "ab", "abc", "abcd", "\xff\xfe\x00" };
	size_t lens[] = { 0, 1, 2, 3, 4, 3 };
	for (size_t i = 0; i < 6; i++) {
		char *e = b64_encode(round[i], lens[i]);
		unsigned char out[16];
		assert_int_equal(b64_decode(e, strlen(e), out), (long)lens[i]);
		assert_memory_equal(out, round[i], lens[i]);
		free(e);
	}
	char *e = b64_encode("foobar", 6);
	assert_string_equal(e, "Zm9vYmFy");
	free(e);
	assert_true(utf8_valid("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80", 15));
	assert_false(utf8_valid("a\0b", 3));
	assert_false(utf8_valid("\xff", 1));
	assert_false(utf8_valid("\xc3", 1));           /* cut */
	assert_false(utf8_valid("\xc0\xaf", 2));       /* overlong */
	assert_false(utf8_valid("\xed\xa0\x80", 3));   /* surrogate */
	assert_false(utf8_valid("\xf4\x90\x80\x80", 4)); /* past U+10FFFF */
}

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *m = cJSON_GetObjectItem(o, k);
	return cJSON_IsString(m) ? m->valuestring : NULL;
}

static void test_request_files(void **state)
{
	(void)state;
	/* the first file is the entry, written as the language's file; the rest follow */
	cJSON *j = ok("{\"language\":\"python\",\"files\":[{\"name\":\"app.py\",\"content\":"
		      "\"import pkg.util\"},{\"name\":\"pkg/util.py\",\"content\":\"X=1\"},"
		      "{\"name\":\"pkg/__init__.py\",\"content\":\"\",\"encoding\":\"utf8\"}]}");
	assert_string_equal(str(j, "source"), "import pkg.util");
	assert_null(str(j, "source_encoding"));
	const cJSON *f = cJSON_GetObjectItem(j, "files");
	assert_int_equal(cJSON_GetArraySize(f), 2);
	assert_string_equal(str(cJSON_GetArrayItem(f, 0), "name"), "pkg/util.py");
	assert_string_equal(str(cJSON_GetArrayItem(f, 1), "encoding"), "utf8");
	cJSON_Delete(j);
	/* main names the entry; base64 travels as given */
	j = ok("{\"language\":\"c\",\"main\":\"main.c\",\"files\":[{\"name\":\"util.h\","
	       "\"content\":\"I2RlZmluZSBYIDE=\",\"encoding\":\"base64\"},{\"name\":\"main.c\","
	       "\"content\":\"aW50IG1haW4oKXt9\",\"encoding\":\"base64\"}]}");
	assert_string_equal(str(j, "source"), "aW50IG1haW4oKXt9");
	assert_string_equal(str(j, "source_encoding"), "base64");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "files")), 1);
	cJSON_Delete(j);
	/* beside source_code: all files are extra */
	j = ok("{\"language\":\"python\",\"source_code\":\"import util\",\"files\":"
	       "[{\"name\":\"util.py\",\"content\":\"\"}]}");
	assert_string_equal(str(j, "source"), "import util");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "files")), 1);
	cJSON_Delete(j);
}

#define PY "{\"language\":\"python\",\"files\":[{\"name\":\"main.py\",\"content\":\"\"},"

static void test_request_files_bad(void **state)
{
	(void)state;
	bad(PY "{\"name\":\"../x\",\"content\":\"\"}]}", 400, "files[1].name", "\"..\"");
	bad(PY "{\"name\":\"/etc/x\",\"content\":\"\"}]}", 400, "files[1].name", "absolute");
	bad(PY "{\"name\":\"a//b\",\"content\":\"\"}]}", 400, "files[1].name", "empty");
	bad(PY "{\"name\":\"\",\"content\":\"\"}]}", 400, "files[1].name", "empty");
	bad(PY "{\"name\":\"a/b/c/d/e\",\"content\":\"\"}]}", 400, "files[1].name", "levels");
	bad(PY "{\"name\":\"a\\u0001\",\"content\":\"\"}]}", 400, "files[1].name", "control");
	bad(PY "{\"name\":5,\"content\":\"\"}]}", 400, "files[1].name", "string");
	bad(PY "{\"name\":\"x\"}]}", 400, "files[1].content", "string");
	bad(PY "{\"name\":\"x\",\"content\":\"\",\"encoding\":\"hex\"}]}", 400,
	    "files[1].encoding", "base64");
	bad(PY "{\"name\":\"x\",\"content\":\"Zm9v!\",\"encoding\":\"base64\"}]}", 400,
	    "files[1].content", "base64");
	bad(PY "{\"name\":\"x\",\"content\":\"\"},{\"name\":\"x\",\"content\":\"\"}]}", 400,
	    "files[2].name", "duplicates files[1].name");
	bad(PY "5]}", 400, "files[1]", "object");
	bad(PY "{\"name\":\"d\",\"content\":\"\"},{\"name\":\"d/x\",\"content\":\"\"}]}", 400,
	    "files[2].name", "file and a directory");
	bad(PY "{\"name\":\"main.py/x\",\"content\":\"\"}]}", 400, "files[1].name", "entry");
	char big[400];
	snprintf(big, sizeof(big), PY "{\"name\":\"%0300d\",\"content\":\"\"}]}", 0);
	bad(big, 400, "files[1].name", "255");
	/* the entry's name is the language's file: another main.py collides */
	bad("{\"language\":\"python\",\"files\":[{\"name\":\"a.py\",\"content\":\"\"},"
	    "{\"name\":\"main.py\",\"content\":\"\"}]}", 400, "files[1].name", "entry");
	bad("{\"language\":\"python\",\"source_code\":\"\",\"files\":[{\"name\":\"main.py\","
	    "\"content\":\"\"}]}", 400, "files[0].name", "entry");
	bad("{\"language\":\"python\",\"files\":[]}", 400, "files", "non-empty");
	bad("{\"language\":\"python\",\"files\":{}}", 400, "files", "non-empty");
	bad("{\"language\":\"python\"}", 400, "source_code", "required");
	bad(PY "{\"name\":\"x\",\"content\":\"\"}],\"main\":\"y\"}", 400, "main", "names no");
	bad(PY "{\"name\":\"x\",\"content\":\"\"}],\"main\":3}", 400, "main", "string");
	bad("{\"language\":\"python\",\"source_code\":\"\",\"main\":\"x\"}", 400, "main",
	    "without files");
	bad("{\"language\":\"python\",\"source_code\":\"\",\"main\":\"x\",\"files\":"
	    "[{\"name\":\"x\",\"content\":\"\"}]}", 400, "main", "source_code");
	/* count and size caps */
	char *many = malloc(1 << 16);
	size_t o = (size_t)snprintf(many, 1 << 16, "{\"language\":\"python\",\"files\":[");
	for (int i = 0; i <= cfg.files_max; i++)
		o += (size_t)snprintf(many + o, (1 << 16) - o,
				      "%s{\"name\":\"f%d\",\"content\":\"\"}", i ? "," : "", i);
	snprintf(many + o, (1 << 16) - o, "]}");
	bad(many, 400, "files", "more than");
	free(many);
	size_t n = (size_t)cfg.files_kb * 1024 / 2 + 16;
	char *huge = malloc(2 * n + 200);
	char *fill = malloc(n + 1);
	memset(fill, 'a', n);
	fill[n] = '\0';
	snprintf(huge, 2 * n + 200, PY "{\"name\":\"a\",\"content\":\"%s\"},{\"name\":\"b\","
		 "\"content\":\"%s\"}]}", fill, fill);
	bad(huge, 413, "files", "limit");
	free(fill);
	free(huge);
}

#define SRC "{\"language\":\"python\",\"source_code\":\"\","

static void test_request_output_files(void **state)
{
	(void)state;
	cJSON *j = ok(SRC "\"output_files\":[\"out.txt\",\"d/x.bin\"]}");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "output_files")), 2);
	assert_true(cJSON_GetObjectItem(j, "output_file_bytes")->valuedouble ==
		    cfg.output_file_kb * 1024.0);
	cJSON_Delete(j);
	bad(SRC "\"output_files\":[\"../x\"]}", 400, "output_files[0]", "\"..\"");
	bad(SRC "\"output_files\":[\"a\",\"/etc/passwd\"]}", 400, "output_files[1]", "absolute");
	bad(SRC "\"output_files\":[\"a\",\"a\"]}", 400, "output_files[1]", "duplicates");
	bad(SRC "\"output_files\":[1]}", 400, "output_files[0]", "string");
	bad(SRC "\"output_files\":\"a\"}", 400, "output_files", "array");
	bad(SRC "\"output_files\":[]}", 400, "output_files", "array");
	bad(SRC "\"output_files\":[\"a\"],\"tests\":[{}]}", 400, "output_files", "tests");
}

/* An H_FILES payload: name, size, data or error per file. */
static void put_entry(struct buf *b, const char *name, uint64_t size, const char *data,
		      size_t n, const char *err)
{
	assert_int_equal(wire_put_str(b, T_OUT_NAME, name), 0);
	assert_int_equal(wire_put_u64(b, T_OUT_SIZE, size), 0);
	if (err)
		assert_int_equal(wire_put_str(b, T_OUT_ERROR, err), 0);
	else
		assert_int_equal(wire_put(b, T_OUT_DATA, data, n), 0);
}

static int decode(struct buf *b, const char *names_json, struct out_files *of)
{
	cJSON *names = cJSON_Parse(names_json);
	int rc = outfiles_decode((const uint8_t *)b->data, b->len, names, 64, of);
	cJSON_Delete(names);
	return rc;
}

static void test_outfiles(void **state)
{
	(void)state;
	struct buf b;
	struct out_files of = { 0 };
	buf_init(&b, 1 << 16);
	put_entry(&b, "a.txt", 3, "hi\n", 3, NULL);
	put_entry(&b, "b.bin", 100, "\xff\x00\x01", 3, NULL);
	put_entry(&b, "link", 0, NULL, 0, "is a symbolic link");
	assert_int_equal(decode(&b, "[\"a.txt\",\"b.bin\",\"link\"]", &of), 0);
	cJSON *a = outfiles_json(&of, 1 << 20);
	char *s = cJSON_PrintUnformatted(a);
	assert_string_equal(s, "[{\"name\":\"a.txt\",\"content\":\"hi\\n\",\"encoding\":\"utf8\","
			       "\"size\":3,\"truncated\":false},{\"name\":\"b.bin\",\"content\":"
			       "\"/wAB\",\"encoding\":\"base64\",\"size\":100,\"truncated\":true},"
			       "{\"name\":\"link\",\"error\":\"is a symbolic link\"}]");
	free(s);
	cJSON_Delete(a);
	/* a small share cuts the content */
	a = outfiles_json(&of, 4);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetArrayItem(a, 0), "truncated")));
	cJSON_Delete(a);
	outfiles_free(&of);
	/* wrong names, order, count, a missing size or two data fields are refused */
	assert_int_equal(decode(&b, "[\"a.txt\",\"link\",\"b.bin\"]", &of), -1);
	outfiles_free(&of);
	assert_int_equal(decode(&b, "[\"a.txt\",\"b.bin\"]", &of), -1);
	outfiles_free(&of);
	assert_int_equal(decode(&b, "[\"a.txt\",\"b.bin\",\"link\",\"x\"]", &of), -1);
	outfiles_free(&of);
	buf_reset(&b);
	assert_int_equal(wire_put_str(&b, T_OUT_NAME, "a"), 0);
	assert_int_equal(wire_put(&b, T_OUT_DATA, "x", 1), 0);
	assert_int_equal(decode(&b, "[\"a\"]", &of), -1);
	outfiles_free(&of);
	buf_reset(&b);
	put_entry(&b, "a", 1, "x", 1, NULL);
	assert_int_equal(wire_put(&b, T_OUT_DATA, "y", 1), 0);
	assert_int_equal(decode(&b, "[\"a\"]", &of), -1);
	outfiles_free(&of);
	buf_reset(&b); /* data over the cap (64 here) */
	char big[65];
	memset(big, 'x', sizeof(big));
	put_entry(&b, "a", 65, big, sizeof(big), NULL);
	assert_int_equal(decode(&b, "[\"a\"]", &of), -1);
	outfiles_free(&of);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_relpath),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_request_files),
		cmocka_unit_test(test_request_files_bad),
		cmocka_unit_test(test_request_output_files),
		cmocka_unit_test(test_outfiles),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
