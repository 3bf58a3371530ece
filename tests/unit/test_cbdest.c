/*
 * test_cbdest.c - unit tests of shared/cbdest.c: allow-list entries, address matching (CIDRs,
 * IPv6, IPv4-mapped), and the URL checks made at submit time (scheme, credentials, literal
 * addresses, listed names, names left to resolve), plus the resolution of "localhost".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <string.h>

#include "cbdest.h"

static char *const loopback[] = { "127.0.0.0/8", "::1", "localhost", NULL };

static void test_entries(void **state)
{
	(void)state;
	const char *good[] = { "127.0.0.0/8", "10.1.2.3", "::1", "fd00::/8", "0.0.0.0/0",
			       "hooks.example.com", "localhost", "a-b.c" };
	const char *bad[] = { "", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/x",
			      "-bad.example", ".example", "exa mple", "http://x", "a/b", "::1/x" };
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(cbdest_entry_valid(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(cbdest_entry_valid(bad[i]));
}

static int allowed(const char *ip, char *const *allow)
{
	unsigned char a[16];
	int fam = inet_pton(AF_INET, ip, a) == 1 ? AF_INET : AF_INET6;
	assert_int_equal(inet_pton(fam, ip, a), 1);
	return cbdest_addr_allowed(fam, a, allow);
}

static void test_addresses(void **state)
{
	(void)state;
	char *const nets[] = { "10.8.0.0/13", "192.168.1.7", "fd00::/8", NULL };
	assert_true(allowed("127.0.0.1", loopback));
	assert_true(allowed("127.255.0.9", loopback));
	assert_true(allowed("::1", loopback));
	assert_true(allowed("::ffff:127.0.0.1", loopback)); /* IPv4-mapped counts as IPv4 */
	assert_false(allowed("::ffff:10.0.0.1", loopback));
	assert_false(allowed("10.0.0.1", loopback));
	assert_false(allowed("169.254.169.254", loopback));
	assert_false(allowed("::2", loopback));
	assert_true(allowed("10.15.255.255", nets));
	assert_false(allowed("10.16.0.0", nets));
	assert_false(allowed("10.7.255.255", nets));
	assert_true(allowed("192.168.1.7", nets));
	assert_false(allowed("192.168.1.8", nets));
	assert_true(allowed("fd12::1", nets));
	assert_false(allowed("fe80::1", nets));
	assert_false(allowed("127.0.0.1", nets));
}

static int parse(const char *url, char *const *allow, struct cbdest *d)
{
	char why[300] = "";
	int rc = cbdest_parse(url, allow, d, why, sizeof(why));
	if (rc < 0)
		assert_non_null(strstr(why, "callback_url"));
	return rc;
}

static void test_urls(void **state)
{
	(void)state;
	struct cbdest d;
	char *const names[] = { "hooks.example.com", "10.0.0.0/8", NULL };
	assert_int_equal(parse("http://127.0.0.1:8080/hook?x=1", loopback, &d), 0);
	assert_string_equal(d.host, "127.0.0.1");
	assert_int_equal(d.port, 8080);
	assert_true(d.literal);
	assert_int_equal(parse("https://[::1]/h", loopback, &d), 0);
	assert_string_equal(d.host, "::1");
	assert_int_equal(d.port, 443);
	assert_int_equal(parse("HTTP://LOCALHOST/h", loopback, &d), 0); /* a listed name */
	assert_true(d.listed);
	assert_int_equal(parse("http://localhost./h", loopback, &d), 0);
	assert_int_equal(parse("http://hooks.example.org/h", loopback, &d), 1); /* to resolve */
	assert_int_equal(parse("https://Hooks.Example.com/h", names, &d), 0);
	assert_int_equal(parse("http://10.2.3.4/h", names, &d), 0);
	const char *bad[] = { "http://10.0.0.1/", "http://169.254.169.254/latest/meta-data/",
			      "http://[::ffff:10.0.0.1]/", "ftp://127.0.0.1/", "file:///etc/passwd",
			      "127.0.0.1:80/x", "//127.0.0.1/x", "localhost/x",
			      "http://u:p@127.0.0.1/", "http://u@127.0.0.1/", "", "not a url",
			      "http://a b/", "http://exa_mple.com/" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse(bad[i], loopback, &d), -1);
	char longurl[CBDEST_URL_MAX + 20] = "http://127.0.0.1/";
	memset(longurl + 17, 'a', sizeof(longurl) - 18);
	longurl[sizeof(longurl) - 1] = '\0';
	assert_int_equal(parse(longurl, loopback, &d), -1);
}

static void test_resolve_localhost(void **state)
{
	(void)state;
	struct cbdest d;
	char pin[600], why[300];
	char *const only2[] = { "127.0.0.2/32", NULL };
	char *const loop4[] = { "127.0.0.0/8", "::1", NULL };
	assert_int_equal(parse("http://localhost:9000/x", only2, &d), 1);
	assert_int_equal(cbdest_resolve(&d, only2, pin, sizeof(pin), why, sizeof(why)), -1);
	assert_non_null(strstr(why, "resolves to"));
	assert_int_equal(parse("http://localhost:9000/x", loop4, &d), 1);
	assert_int_equal(cbdest_resolve(&d, loop4, pin, sizeof(pin), why, sizeof(why)), 0);
	assert_true(!strncmp(pin, "localhost:9000:127.0.0.1", 24) ||
		    !strcmp(pin, "localhost:9000:[::1]"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entries),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_resolve_localhost),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
