/*
 * test_admit.c - unit tests of master/admit.c: API keys (exact match only, none configured lets
 * everyone in), the per-IP and global token buckets (burst, refusal with Retry-After, refill),
 * the concurrency cap (executions only), and the bounded per-IP table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "admit.h"

#define TEST(name) static void name(void **state __attribute__((unused)))

static struct config cfg(void)
{
	struct config c;
	memset(&c, 0, sizeof(c));
	c.per_ip_table = 64;
	return c;
}

static int reset(void **state __attribute__((unused)))
{
	admit_reset();
	return 0;
}

/* One admit_check() for ip at now_s, asserting its HTTP status (0: admitted); the verdict back. */
static struct admit_verdict check(const struct config *c, const char *ip, int executes,
				  int in_flight, double now_s, int http)
{
	struct admit_verdict v;
	admit_check(c, ip, executes, in_flight, now_s, &v);
	assert_int_equal(v.http, http);
	return v;
}

TEST(no_keys_configured_admits_anyone)
{
	struct config c = cfg();
	assert_int_equal(admit_key_ok(&c, NULL), 1);
	assert_int_equal(admit_key_ok(&c, "anything"), 1);
}

TEST(keys_must_match_exactly)
{
	char *keys[] = { "alpha-key", "beta", NULL };
	struct config c = cfg();
	c.api_keys = keys;
	assert_int_equal(admit_key_ok(&c, "alpha-key"), 1);
	assert_int_equal(admit_key_ok(&c, "beta"), 1);
	assert_int_equal(admit_key_ok(&c, NULL), 0);
	assert_int_equal(admit_key_ok(&c, ""), 0);
	assert_int_equal(admit_key_ok(&c, "alpha"), 0);      /* a prefix */
	assert_int_equal(admit_key_ok(&c, "alpha-key2"), 0); /* longer */
	assert_int_equal(admit_key_ok(&c, "Beta"), 0);
}

TEST(per_ip_burst_then_refusal_then_refill)
{
	struct config c = cfg();
	c.rate_per_ip = 2;      /* tokens per second */
	c.rate_per_ip_burst = 3;
	for (int i = 0; i < 3; i++)
		check(&c, "10.0.0.1", 0, 0, 100.0, 0);
	struct admit_verdict v = check(&c, "10.0.0.1", 0, 0, 100.0, 429);
	assert_string_equal(v.which, "per_ip");
	assert_true(v.retry_after >= 1);
	assert_non_null(strstr(v.msg, "retry after"));
	check(&c, "10.0.0.2", 0, 0, 100.0, 0); /* another client has its own bucket */
	check(&c, "10.0.0.1", 0, 0, 100.5, 0); /* half a second: one token back */
	check(&c, "10.0.0.1", 0, 0, 100.5, 429);
}

TEST(global_bucket_is_shared_by_all_clients)
{
	struct config c = cfg();
	c.rate_global = 1;
	c.rate_global_burst = 2;
	check(&c, "a", 0, 0, 50.0, 0);
	check(&c, "b", 0, 0, 50.0, 0);
	struct admit_verdict v = check(&c, "c", 0, 0, 50.0, 429);
	assert_string_equal(v.which, "global");
	assert_true(v.retry_after >= 1);
	check(&c, "c", 0, 0, 51.0, 0);
}

TEST(concurrency_cap_counts_only_executions)
{
	struct config c = cfg();
	c.max_concurrent = 2;
	check(&c, "a", 1, 1, 10.0, 0);
	struct admit_verdict v = check(&c, "a", 1, 2, 10.0, 429);
	assert_string_equal(v.which, "concurrency");
	check(&c, "a", 0, 2, 10.0, 0); /* GET /languages is not an execution */
}

TEST(reset_refills_every_bucket)
{
	struct config c = cfg();
	struct admit_verdict v;
	c.rate_per_ip = 1;
	c.rate_per_ip_burst = 1;
	admit_check(&c, "x", 0, 0, 5.0, &v); /* spends the one token: not asserted */
	check(&c, "x", 0, 0, 5.0, 429);
	admit_reset();
	check(&c, "x", 0, 0, 5.0, 0);
}

TEST(a_full_table_recycles_and_keeps_working)
{
	struct config c = cfg();
	c.per_ip_table = 4;
	c.rate_per_ip = 1;
	c.rate_per_ip_burst = 1;
	char ip[32];
	for (int i = 0; i < 100; i++) { /* far more clients than entries: each is still served */
		snprintf(ip, sizeof(ip), "192.0.2.%d", i);
		check(&c, ip, 0, 0, 20.0 + i * 0.001, 0);
	}
	check(&c, ip, 0, 0, 20.2, 429); /* the latest client is tracked: its token is spent */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(no_keys_configured_admits_anyone, reset),
		cmocka_unit_test_setup(keys_must_match_exactly, reset),
		cmocka_unit_test_setup(per_ip_burst_then_refusal_then_refill, reset),
		cmocka_unit_test_setup(global_bucket_is_shared_by_all_clients, reset),
		cmocka_unit_test_setup(concurrency_cap_counts_only_executions, reset),
		cmocka_unit_test_setup(reset_refills_every_bucket, reset),
		cmocka_unit_test_setup(a_full_table_recycles_and_keeps_working, reset),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	admit_reset();
	return rc;
}
