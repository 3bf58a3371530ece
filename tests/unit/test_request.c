/*
 * test_request.c - unit tests of master/request.c: defaults, aliases, every kind of bad input
 * with its HTTP status and offending field, judge-mode fields, and bodies that are not exactly one
 * JSON object with distinct keys (trailing bytes, duplicate keys).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"
#include "request_check.h"

static double num(const cJSON *j, const char *k)
{
	return cJSON_GetObjectItem(j, k)->valuedouble;
}

static void test_defaults(void **state)
{
	(void)state;
	cJSON *j = ok("{\"language\":\"python\",\"source_code\":\"print(1)\"}");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "lang"), "id")->valuestring,
			    "python");
	assert_true(num(j, "time_ms") == cfg.time_s * 1000);
	assert_true(num(j, "wall_ms") == cfg.time_s * 1000); /* plain runs: wall = time limit */
	assert_true(num(j, "memory_mb") == 256);
	assert_string_equal(cJSON_GetObjectItem(j, "stdin")->valuestring, "");
	cJSON_Delete(j);
}

static void test_aliases_and_limits(void **state)
{
	(void)state;
	cJSON *j =
		ok("{\"language\":\"python\",\"code\":\"x\",\"input\":\"in\",\"timeout_seconds\":2,"
		   "\"memory_limit_mb\":128,\"cpu_limit\":0.5,\"args\":[\"a\",\"b\"]}");
	assert_string_equal(cJSON_GetObjectItem(j, "source")->valuestring, "x");
	assert_string_equal(cJSON_GetObjectItem(j, "stdin")->valuestring, "in");
	assert_true(num(j, "time_ms") == 2000);
	assert_true(num(j, "memory_mb") == 128);
	assert_true(num(j, "cpus") == 0.5);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "args")), 2);
	cJSON_Delete(j);
}

static void test_bad_inputs(void **state)
{
	(void)state;
	bad("{", 400, "", "not valid JSON");
	bad("", 400, "", "empty");
	bad("[1]", 400, "", "object");
	bad("{\"source_code\":\"x\"}", 400, "language", "required");
	bad("{\"language\":5,\"source_code\":\"x\"}", 400, "language", "string");
	bad("{\"language\":\"cobol\",\"source_code\":\"x\"}", 400, "language", "python");
	bad("{\"language\":\"python\"}", 400, "source_code", "required");
	bad("{\"language\":\"python\",\"source_code\":[]}", 400, "source_code", "string");
	bad("{\"language\":\"python\",\"source_code\":\"x\",\"stdin\":3}", 400, "stdin", "string");
	bad("{\"language\":\"python\",\"source_code\":\"x\",\"args\":\"a\"}", 400, "args", "array");
	bad("{\"language\":\"python\",\"source_code\":\"x\",\"args\":[1]}", 400, "args", "strings");
	bad("{\"language\":\"python\",\"source_code\":\"x\",\"time_limit\":0}", 400, "time_limit",
	    "positive");
	bad("{\"language\":\"python\",\"source_code\":\"x\",\"time_limit\":-1}", 400, "time_limit",
	    "positive");
	bad("{\"language\":\"python\",\"source_code\":\"x\",\"time_limit\":1000}", 400,
	    "time_limit", "at most");
	bad("{\"language\":\"python\",\"source_code\":\"x\",\"time_limit\":\"1\"}", 400,
	    "time_limit", "number");
	bad("{\"language\":\"python\",\"source_code\":\"x\",\"memory_limit_mb\":99999}", 400,
	    "memory_limit_mb", "at most");
	bad("{\"language\":\"python\",\"source_code\":\"x\",\"memory_limit_mb\":1}", 400,
	    "memory_limit_mb", "at least");
	bad("{\"language\":\"python\",\"source_code\":\"x\",\"cpu_limit\":64}", 400, "cpu_limit",
	    "at most");
	bad("{\"language\":\"python\",\"source_code\":\"x\",\"tests\":[]}", 400, "tests",
	    "non-empty");
	bad("{\"language\":\"python\",\"source_code\":\"x\",\"tests\":[1]}", 400, "tests",
	    "object");
	bad("{\"language\":\"python\",\"source_code\":\"x\",\"tests\":[{\"stdin\":1}]}", 400,
	    "tests[].stdin", "string");
	bad("{\"language\":\"python\",\"source_code\":\"x\",\"tests\":[{}],\"compare\":\"fuzzy\"}",
	    400, "compare", "one of");
	bad("{\"language\":\"python\",\"source_code\":\"x\",\"stop_on_first_failure\":1}", 400,
	    "stop_on_first_failure", "true or false");
	bad("{\"language\":\"python\",\"source_code\":\"x\",\"stdin\":\"a\\u0000b\"}", 400, "",
	    "NUL");
	bad("{\"language\":\"python\",\"source_code\":\"x\",\"float_tolerance\":-1}", 400,
	    "float_tolerance", "0 to");
	/* an escaped backslash before u0000: no NUL */
	cJSON_Delete(ok("{\"language\":\"python\",\"source_code\":\"x\","
			"\"stdin\":\"a\\\\u0000b\"}"));
	cJSON_Delete(ok("{\"language\":\"python\",\"source_code\":\"x\",\"float_tolerance\":0}"));
}

static void test_source_cap(void **state)
{
	(void)state;
	size_t n = (size_t)cfg.source_kb * 1024 + 1;
	char *body = malloc(n + 64);
	int o = sprintf(body, "{\"language\":\"python\",\"source_code\":\"");
	memset(body + o, 'a', n);
	strcpy(body + o + n, "\"}");
	bad(body, 413, "source_code", "limit");
	free(body);
}

static void test_deep_nesting_is_rejected(void **state)
{
	(void)state;
	size_t depth = 5000;
	char *body = malloc(depth * 2 + 1);
	memset(body, '[', depth);
	memset(body + depth, ']', depth);
	body[depth * 2] = '\0';
	bad(body, 400, "", "JSON");
	free(body);
}

/* Issue 9: a body is one JSON object and nothing after it but whitespace. */
static void test_trailing_bytes_are_rejected(void **state)
{
	(void)state;
	bad("{\"language\":\"python\",\"source_code\":\"print(1)\"} garbage", 400, "",
	    "after the JSON");
	bad("{\"language\":\"python\",\"source_code\":\"x\"}"
	    "{\"language\":\"c\",\"source_code\":\"y\"}",
	    400, "", "after the JSON");
	bad("{\"language\":\"python\",\"source_code\":\"x\"}\n,", 400, "", "after the JSON");
	cJSON_Delete(ok("{\"language\":\"python\",\"source_code\":\"x\"} \r\n\t \n"));
	/* a NUL after the object is a trailing byte too (the length, not strlen, bounds the
	 * body) */
	static const char nul_tail[] = "{\"language\":\"python\",\"source_code\":\"x\"}\0";
	cJSON *j;
	struct req_error e;
	assert_int_equal(request_parse(nul_tail, sizeof(nul_tail) - 1, &cfg, &j, &e), -1);
	assert_int_equal(e.http, 400);
	assert_non_null(strstr(e.msg, "after the JSON"));
}

/* Issue 9: a key given twice in one object is refused (cJSON would silently keep the first). */
static void test_duplicate_keys_are_rejected(void **state)
{
	(void)state;
	bad("{\"language\":\"python\",\"language\":\"c\",\"source_code\":\"x\"}", 400, "language",
	    "more than once");
	bad("{\"language\":\"python\",\"source_code\":\"x\",\"time_limit\":1,\"time_limit\":2}",
	    400, "time_limit", "more than once");
	bad("{\"language\":\"python\",\"source_code\":\"x\",\"tests\":[{\"stdin\":\"1\"},"
	    "{\"stdin\":\"1\",\"expected_output\":\"a\",\"stdin\":\"2\"}]}",
	    400, "tests[].stdin", "more than once");
	bad("{\"language\":\"python\",\"source_code\":\"x\","
	    "\"junk\":{\"a\":[{\"b\":{\"c\":1,\"c\":2}}]}}",
	    400, "junk.a[].b.c", "more than once");
	/* the same key in different objects, or differing only in case, is fine */
	cJSON_Delete(
		ok("{\"language\":\"python\",\"source_code\":\"x\",\"stdin\":\"s\",\"Stdin\":\"t\","
		   "\"tests\":[{\"stdin\":\"1\"},{\"stdin\":\"2\"}]}"));
}

/* Many keys in one object: accepted when distinct, refused on one duplicate (sorted, not n^2). */
static void test_duplicate_key_among_many(void **state)
{
	(void)state;
	size_t n = 20000, cap = n * 16 + 128;
	char *body = malloc(cap);
	size_t o = (size_t)snprintf(body, cap, "{\"language\":\"python\",\"source_code\":\"x\"");
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(body + o, cap - o, ",\"k%zu\":0", i);
	snprintf(body + o, cap - o, "}");
	cJSON_Delete(ok(body));
	snprintf(body + o, cap - o, ",\"k777\":1}");
	bad(body, 400, "k777", "more than once");
	free(body);
}

static void test_judge_fields(void **state)
{
	(void)state;
	cJSON *j = ok("{\"language\":\"cpp\",\"source_code\":\"x\",\"time_limit\":1,"
		      "\"tests\":[{\"stdin\":\"1 2\",\"expected_output\":\"3\"},"
		      "{\"input\":\"\",\"expected\":\"\"}],\"compare\":\"float\","
		      "\"float_tolerance\":0.01,\"stop_on_first_failure\":true}");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "tests")), 2);
	assert_true(num(j, "wall_ms") == 1000 * cfg.wall_factor); /* judges: CPU limit + wall net */
	assert_string_equal(cJSON_GetObjectItem(j, "compare")->valuestring, "float");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "stop_on_first_failure")));
	cJSON_Delete(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_aliases_and_limits),
		cmocka_unit_test(test_bad_inputs),
		cmocka_unit_test(test_source_cap),
		cmocka_unit_test(test_deep_nesting_is_rejected),
		cmocka_unit_test(test_judge_fields),
		cmocka_unit_test(test_trailing_bytes_are_rejected),
		cmocka_unit_test(test_duplicate_keys_are_rejected),
		cmocka_unit_test(test_duplicate_key_among_many),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
