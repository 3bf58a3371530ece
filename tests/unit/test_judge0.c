/*
 * test_judge0.c - unit tests of the Judge0 CE drop-in's pure parts (judge0_map.c, judge0_json.c):
 * every mapping table (statuses, language ids, signals), Judge0's output comparison, verdicts,
 * units, command-line splitting, `fields`, and the request/answer conversions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "judge0_json.h"
#include "judge0_map.h"

#include "conf_fixture.h"

/* app/enumerations/status.rb, word for word */
static void test_statuses(void **state)
{
	(void)state;
	static const char *const want[] = {
		NULL,
		"In Queue",
		"Processing",
		"Accepted",
		"Wrong Answer",
		"Time Limit Exceeded",
		"Compilation Error",
		"Runtime Error (SIGSEGV)",
		"Runtime Error (SIGXFSZ)",
		"Runtime Error (SIGFPE)",
		"Runtime Error (SIGABRT)",
		"Runtime Error (NZEC)",
		"Runtime Error (Other)",
		"Internal Error",
		"Exec Format Error",
	};
	for (int i = 1; i <= 14; i++)
		assert_string_equal(judge0_status_name(i), want[i]);
	assert_null(judge0_status_name(0));
	assert_null(judge0_status_name(15));
}

/* db/languages/active.rb (v1.13.1) for ids < 90; ce.judge0.com for 91-98 */
static void test_languages(void **state)
{
	(void)state;
	static const struct {
		int id;
		const char *ours;
	} want[] = { { 46, "bash" },   { 50, "c" },	     { 54, "cpp" },	   { 60, "go" },
		     { 62, "java" },   { 63, "javascript" }, { 68, "php" },	   { 71, "python" },
		     { 72, "ruby" },   { 73, "rust" },	     { 74, "typescript" }, { 91, "java" },
		     { 92, "python" }, { 93, "javascript" }, { 94, "typescript" }, { 95, "go" },
		     { 98, "php" } };
	size_t n;
	const struct judge0_lang *l = judge0_langs(&n);
	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(l[i].id, want[i].id);
		assert_string_equal(judge0_lang_find(want[i].id)->ours, want[i].ours);
		int configured = 0;
		for (int k = 0; k < m.cfg.nlangs; k++)
			configured |= !strcmp(m.cfg.langs[k].id, want[i].ours);
		assert_true(configured);
	}
	assert_null(judge0_lang_find(4)); /* the docs' old C id */
	assert_null(judge0_lang_find(150000));
	char name[64];
	snprintf(name, sizeof(name), judge0_lang_find(50)->name, "12.2.0");
	assert_string_equal(name, "C (GCC 12.2.0)");
	snprintf(name, sizeof(name), judge0_lang_find(63)->name, "18.20.4");
	assert_string_equal(name, "JavaScript (Node.js 18.20.4)");
}

/* Status.find_runtime_error_by_status_code */
static void test_signals(void **state)
{
	(void)state;
	assert_int_equal(judge0_signal_status(11), J0_SIGSEGV);
	assert_int_equal(judge0_signal_status(25), J0_SIGXFSZ);
	assert_int_equal(judge0_signal_status(8), J0_SIGFPE);
	assert_int_equal(judge0_signal_status(6), J0_SIGABRT);
	assert_int_equal(judge0_signal_status(9), J0_OTHER);
	assert_int_equal(judge0_signal_status(13), J0_OTHER);
	assert_int_equal(judge0_signal_number("SIGSEGV"), 11);
	assert_int_equal(judge0_signal_number("SIGXFSZ"), 25);
	assert_int_equal(judge0_signal_number("SIGFPE"), 8);
	assert_int_equal(judge0_signal_number("SIGABRT"), 6);
	assert_int_equal(judge0_signal_number("SIGKILL"), 9);
	assert_int_equal(judge0_signal_number("SIGNOPE"), 0);
	assert_int_equal(judge0_signal_number(NULL), 0);
}

/* isolate_job.rb strip: lines' and the text's trailing whitespace only */
static void test_output_equal(void **state)
{
	(void)state;
	assert_true(judge0_output_equal("hello, Judge0", "hello, Judge0\n"));
	assert_true(judge0_output_equal("a  \nb\t\n\n\n", "a\nb"));
	assert_true(judge0_output_equal("", "\n \n"));
	assert_true(judge0_output_equal(NULL, ""));
	assert_false(judge0_output_equal("a\nb", "a\n\nb"));
	assert_false(judge0_output_equal("x", " x")); /* leading blanks count */
	assert_false(judge0_output_equal("\nx", "x"));
	assert_false(judge0_output_equal("1 2", "1  2"));
}

static int verdict(const char *native, const char *expected)
{
	cJSON *n = cJSON_Parse(native);
	int v = judge0_verdict(n, expected);
	cJSON_Delete(n);
	return v;
}

static void test_verdicts(void **state)
{
	(void)state;
	assert_int_equal(verdict("{\"status\":\"ok\",\"stdout\":\"3\\n\"}", NULL), J0_ACCEPTED);
	assert_int_equal(verdict("{\"status\":\"ok\",\"stdout\":\"3\\n\"}", "3"), J0_ACCEPTED);
	assert_int_equal(verdict("{\"status\":\"ok\",\"stdout\":\"4\\n\"}", "3"), J0_WRONG_ANSWER);
	assert_int_equal(verdict("{\"status\":\"timeout\"}", NULL), J0_TLE);
	assert_int_equal(verdict("{\"status\":\"compile_error\"}", NULL), J0_COMPILE_ERROR);
	assert_int_equal(verdict("{\"status\":\"runtime_error\",\"signal\":\"SIGSEGV\"}", NULL),
			 J0_SIGSEGV);
	assert_int_equal(verdict("{\"status\":\"runtime_error\",\"signal\":\"SIGFPE\"}", NULL),
			 J0_SIGFPE);
	assert_int_equal(verdict("{\"status\":\"runtime_error\",\"signal\":\"SIGABRT\"}", NULL),
			 J0_SIGABRT);
	assert_int_equal(verdict("{\"status\":\"runtime_error\",\"signal\":\"SIGXFSZ\"}", NULL),
			 J0_SIGXFSZ);
	assert_int_equal(verdict("{\"status\":\"runtime_error\",\"signal\":\"SIGBUS\"}", NULL),
			 J0_OTHER);
	assert_int_equal(verdict("{\"status\":\"runtime_error\",\"exit_code\":3}", "x"), J0_NZEC);
	assert_int_equal(verdict("{\"status\":\"memory_exceeded\"}", NULL), J0_OTHER);
	assert_int_equal(verdict("{\"status\":\"output_limit_exceeded\"}", NULL), J0_SIGXFSZ);
	assert_int_equal(verdict("{\"status\":\"internal_error\"}", NULL), J0_INTERNAL);
	assert_int_equal(verdict("{}", NULL), J0_INTERNAL);
}

static void test_units_and_args(void **state)
{
	(void)state;
	char s[24];
	judge0_seconds(1.4, s, sizeof(s));
	assert_string_equal(s, "0.001");
	judge0_seconds(12, s, sizeof(s));
	assert_string_equal(s, "0.012");
	judge0_seconds(2500, s, sizeof(s));
	assert_string_equal(s, "2.500");
	cJSON *a = judge0_split_args("a  'b c' \"d \\\"e\\\"\" f\\ g '$HOME' *");
	char *p = cJSON_PrintUnformatted(a);
	assert_string_equal(p, "[\"a\",\"b c\",\"d \\\"e\\\"\",\"f g\",\"$HOME\",\"*\"]");
	free(p);
	cJSON_Delete(a);
	a = judge0_split_args("   ");
	assert_int_equal(cJSON_GetArraySize(a), 0);
	cJSON_Delete(a);
	assert_null(judge0_split_args("'open"));
	assert_true(judge0_listed("c, cpp", "cpp"));
	assert_true(judge0_listed("c,cpp", "c"));
	assert_false(judge0_listed("c, cpp", "cp"));
	assert_false(judge0_listed("", "c"));
}

static void test_fields(void **state)
{
	(void)state;
	char bad[100];
	cJSON *f = judge0_fields(NULL, bad, sizeof(bad));
	char *p = cJSON_PrintUnformatted(f);
	assert_string_equal(p, "[\"token\",\"time\",\"memory\",\"stdout\",\"stderr\","
			       "\"compile_output\",\"message\",\"status\"]");
	free(p);
	cJSON_Delete(f);
	f = judge0_fields("*", bad, sizeof(bad));
	assert_int_equal(cJSON_GetArraySize(f), 40);
	cJSON_Delete(f);
	f = judge0_fields("stdout,status_id", bad, sizeof(bad));
	assert_int_equal(cJSON_GetArraySize(f), 2);
	cJSON_Delete(f);
	assert_null(judge0_fields("stdout,nope,id", bad, sizeof(bad)));
	assert_string_equal(bad, "nope, id");
}

/* Judge0's 422 for a body (base64: its texts are Base64) and the field expected in it. */
static void refused(const char *body, int base64, const char *field, const char *msg)
{
	cJSON *s = cJSON_Parse(body), *e = NULL;
	char *n = judge0_to_native(s, base64, &m.cfg, &e);
	assert_null(n);
	const cJSON *a = cJSON_GetObjectItem(e, field);
	if (!a) {
		char *p = cJSON_PrintUnformatted(e);
		fail_msg("no %s in %s", field, p);
	}
	assert_string_equal(cJSON_GetArrayItem(a, 0)->valuestring, msg);
	cJSON_Delete(e);
	cJSON_Delete(s);
}

static void test_refusals(void **state)
{
	(void)state;
	/* docs/api/submissions/create_a_submission.md's two 422 examples */
	refused("{\"source_code\":\"int main(){}\"}", 0, "language_id", "can't be blank");
	refused("{\"source_code\":\"x\",\"language_id\":150000,\"stdin\":\"world\"}", 0,
		"language_id", "language with id 150000 doesn't exist");
	refused("{\"language_id\":71}", 0, "source_code", "can't be blank");
	refused("{\"language_id\":71,\"source_code\":\"x\",\"wall_time_limit\":100000}", 0,
		"wall_time_limit", "must be less than or equal to 60");
	refused("{\"language_id\":71,\"source_code\":\"x\",\"cpu_time_limit\":\"abc\"}", 0,
		"cpu_time_limit", "is not a number");
	refused("{\"language_id\":71,\"source_code\":\"x\",\"memory_limit\":100}", 0,
		"memory_limit", "must be greater than or equal to 8192");
	refused("{\"language_id\":71,\"source_code\":\"x\",\"compiler_options\":\"-O3\"}", 0,
		"compiler_options",
		"setting compiler options is only allowed for compiled languages");
	refused("{\"language_id\":73,\"source_code\":\"x\",\"compiler_options\":\"-O3\"}", 0,
		"compiler_options",
		"setting compiler options is not allowed for this language "
		"(judge0.compiler_options)");
	refused("{\"language_id\":71,\"source_code\":\"x\",\"command_line_arguments\":\"'a\"}", 0,
		"command_line_arguments", "has an unclosed quote");
	refused("{\"language_id\":71,\"source_code\":\"x\",\"callback_url\":\"file:///etc\"}", 0,
		"callback_url", "must be an http:// or https:// URL");
	refused("{\"language_id\":71,\"source_code\":\"x\",\"enable_network\":true}", 0,
		"enable_network", "enabling network is not allowed");
	refused("{\"language_id\":71,\"source_code\":\"x\",\"additional_files\":\"UEsD\"}", 0,
		"additional_files", "setting additional files is not allowed");
	refused("{\"language_id\":71,\"source_code\":\"%%%\"}", 1, "source_code",
		"is not valid Base64 of UTF-8 text");
}

static void test_native_body_and_spec(void **state)
{
	(void)state;
	cJSON *s =
		cJSON_Parse("{\"language_id\":\"50\",\"source_code\":\"aW50IG1haW4oKXt9\","
			    "\"stdin\":\"SnVkZ2Uw\",\"cpu_time_limit\":1.5,\"memory_limit\":65536,"
			    "\"stack_limit\":8192,\"max_file_size\":64,\"command_line_arguments\":"
			    "\"x 'y z'\",\"compiler_options\":\"-O0 -Wall\"}");
	cJSON *e = NULL;
	char *body = judge0_to_native(s, 1, &m.cfg, &e);
	assert_non_null(body);
	cJSON *n = cJSON_Parse(body);
	assert_string_equal(cJSON_GetObjectItem(n, "language")->valuestring, "c");
	assert_string_equal(cJSON_GetObjectItem(n, "source_code")->valuestring, "int main(){}");
	assert_string_equal(cJSON_GetObjectItem(n, "stdin")->valuestring, "Judge0");
	assert_true(cJSON_GetObjectItem(n, "time_limit")->valuedouble == 1.5);
	assert_true(cJSON_GetObjectItem(n, "wall_time_limit")->valuedouble == 3);
	assert_int_equal(cJSON_GetObjectItem(n, "memory_limit_mb")->valueint, 64);
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(n, "args"), 1)->valuestring,
			    "y z");
	struct req_error re;
	cJSON *spec;
	assert_int_equal(request_parse(body, strlen(body), &m.cfg, &spec, &re), 0);
	assert_int_equal(judge0_patch_spec(body, strlen(body), spec, &re), 0);
	assert_int_equal(cJSON_GetObjectItem(spec, "fsize_bytes")->valueint, 64 * 1024);
	assert_int_equal(cJSON_GetObjectItem(spec, "stack_kb")->valueint, 8192);
	char *cc = cJSON_PrintUnformatted(
		cJSON_GetObjectItem(cJSON_GetObjectItem(spec, "lang"), "compile"));
	assert_string_equal(cc, "[\"gcc\",\"-O2\",\"-std=gnu17\",\"-pipe\",\"-o\",\"main\",\"-O0\","
				"\"-Wall\",\"main.c\",\"-lm\"]");
	free(cc);
	cJSON_Delete(spec);
	/* a native body without "judge0" is left alone */
	const char *plain = "{\"language\":\"c\",\"source_code\":\"int main(){}\"}";
	assert_int_equal(request_parse(plain, strlen(plain), &m.cfg, &spec, &re), 0);
	assert_int_equal(judge0_patch_spec(plain, strlen(plain), spec, &re), 0);
	assert_null(cJSON_GetObjectItem(spec, "stack_kb"));
	cJSON_Delete(spec);
	cJSON_Delete(n);
	free(body);
	cJSON_Delete(s);
}

/* Renders native answer result for request (Judge0 body), fields f, into a parsed object. */
static cJSON *rendered(const char *request, const char *result, int http, const char *f, int base64)
{
	cJSON *s = cJSON_Parse(request), *e = NULL;
	char *body = judge0_to_native(s, 0, &m.cfg, &e);
	assert_non_null(body);
	cJSON *req = cJSON_Parse(body), *res = result ? cJSON_Parse(result) : NULL;
	char bad[64];
	cJSON *fields = judge0_fields(f, bad, sizeof(bad));
	struct judge0_sub sub = { .token = "t", .request = req, .result = res, .http = http };
	cJSON *o = judge0_render(&sub, fields, base64);
	cJSON_Delete(fields);
	cJSON_Delete(res);
	cJSON_Delete(req);
	free(body);
	cJSON_Delete(s);
	return o;
}

static void test_render(void **state)
{
	(void)state;
	const char *req = "{\"language_id\":50,\"source_code\":\"x\",\"expected_output\":\"hi\"}";
	cJSON *o = rendered(req,
			    "{\"status\":\"ok\",\"stdout\":\"hi\\n\",\"stderr\":\"\","
			    "\"exit_code\":0,\"signal\":null,\"cpu_time_ms\":1.2,"
			    "\"execution_time_ms\":15.6,\"memory_used_kb\":380}",
			    200, NULL, 0);
	char *p = cJSON_PrintUnformatted(o);
	assert_string_equal(p, "{\"token\":\"t\",\"time\":\"0.001\",\"memory\":380,\"stdout\":"
			       "\"hi\\n\",\"stderr\":null,\"compile_output\":null,\"message\":null,"
			       "\"status\":{\"id\":3,\"description\":\"Accepted\"}}");
	free(p);
	cJSON_Delete(o);
	o = rendered(req, "{\"status\":\"runtime_error\",\"stdout\":\"\",\"signal\":\"SIGSEGV\"}",
		     200, "status_id,exit_signal,message,stdout", 1);
	p = cJSON_PrintUnformatted(o);
	assert_string_equal(p, "{\"status_id\":7,\"exit_signal\":11,\"message\":"
			       "\"Q2F1Z2h0IGZhdGFsIHNpZ25hbCAxMQ==\",\"stdout\":null}");
	free(p);
	cJSON_Delete(o);
	o = rendered(req, "{\"status\":\"compile_error\",\"compile_output\":\"bad\"}", 200,
		     "status,time,memory,compile_output", 0);
	p = cJSON_PrintUnformatted(o);
	assert_string_equal(p, "{\"status\":{\"id\":6,\"description\":\"Compilation Error\"},"
			       "\"time\":null,\"memory\":null,\"compile_output\":\"bad\"}");
	free(p);
	cJSON_Delete(o);
	o = rendered(req, NULL, 0, "status", 0);
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "status"), "id")->valueint, 1);
	cJSON_Delete(o);
	o = rendered(req, "{\"error\":\"internal_error: x\"}", 500, "status,message", 0);
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "status"), "id")->valueint, 13);
	assert_string_equal(cJSON_GetObjectItem(o, "message")->valuestring, "internal_error: x");
	cJSON_Delete(o);
}

static void test_callback_body(void **state)
{
	(void)state;
	cJSON *s = cJSON_Parse("{\"language_id\":71,\"source_code\":\"print(1)\","
			       "\"callback_url\":\"https://example.com/cb\"}"),
	      *e = NULL, *scratch = NULL;
	char *body = judge0_to_native(s, 0, &m.cfg, &e);
	const char *url = NULL;
	char *cb = judge0_callback_body(body, "tok", 200, "{\"status\":\"ok\",\"stdout\":\"1\\n\"}",
					&url, &scratch);
	assert_string_equal(url, "https://example.com/cb");
	cJSON *o = cJSON_Parse(cb);
	assert_string_equal(cJSON_GetObjectItem(o, "stdout")->valuestring, "MQo=");
	assert_string_equal(cJSON_GetObjectItem(o, "token")->valuestring, "tok");
	cJSON_Delete(o);
	free(cb);
	cJSON_Delete(scratch);
	assert_null(judge0_callback_body("{\"language\":\"c\"}", "t", 200, "{}", &url, &scratch));
	cJSON_Delete(scratch);
	free(body);
	cJSON_Delete(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_statuses),
		cmocka_unit_test(test_languages),
		cmocka_unit_test(test_signals),
		cmocka_unit_test(test_output_equal),
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_units_and_args),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_native_body_and_spec),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_callback_body),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
