/*
 * test_piston.c - unit tests of the Piston v2 layer: semver parsing and range matching
 * (piston_map.c), the language/alias, status/message/signal and signal-number tables, hex
 * decoding; piston.c's request checks (Piston's messages), runtimes and answer rendering.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "piston.h"
#include "piston_map.h"

#include "conf_fixture.h"

static void test_semver_parse(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "3.11.2", "3.11.2" }, { "17.0.19", "17.0.19" }, { "5.2.15(1)-release", "5.2.15" },
		{ "1.63", "1.63.0" },	{ "v8", "8.0.0" },	  { "8.2.32-nts", "8.2.32" },
		{ "1.2.3.4", "1.2.3" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct semver v;
		char t[32];
		assert_int_equal(piston_semver_parse(cases[i].in, &v), 0);
		piston_semver_text(&v, t, sizeof(t));
		assert_string_equal(t, cases[i].out);
	}
	struct semver v;
	assert_int_equal(piston_semver_parse("go1.19", &v), -1);
	assert_int_equal(piston_semver_parse("", &v), -1);
	struct semver a = { 1, 2, 3 }, b = { 1, 10, 0 };
	assert_int_equal(piston_semver_cmp(&a, &b), -1);
	assert_int_equal(piston_semver_cmp(&b, &a), 1);
	assert_int_equal(piston_semver_cmp(&a, &a), 0);
}

/* Each range against 3.11.2 (and 0.2.5 where it says so), as node-semver's satisfies() answers. */
static void test_range_match(void **state)
{
	(void)state;
	static const struct {
		const char *range;
		int yes;
	} cases[] = {
		{ "*", 1 },	      { "", 1 },	  { "x", 1 },
		{ "3.11.2", 1 },      { "=3.11.2", 1 },	  { "v3.11.2", 1 },
		{ "3.11.3", 0 },      { "3", 1 },	  { "3.x", 1 },
		{ "3.X", 1 },	      { "3.11", 1 },	  { "3.11.x", 1 },
		{ "3.11.*", 1 },      { "3.10", 0 },	  { "2.x", 0 },
		{ "4", 0 },	      { ">=3.11.2", 1 },  { ">=3.11.3", 0 },
		{ ">3.11.1", 1 },     { ">3.11.2", 0 },	  { ">3.10", 1 },
		{ ">3.11", 0 },	      { ">3", 0 },	  { "<3.12", 1 },
		{ "<3.11.2", 0 },     { "<=3.11.2", 1 },  { "<=3.11", 1 },
		{ "<=3.10", 0 },      { "<*", 0 },	  { ">= 3.0.0 < 4", 1 },
		{ ">=3 <3.11", 0 },   { "~3.11.0", 1 },	  { "~3.11.3", 0 },
		{ "~3", 1 },	      { "~3.10", 0 },	  { "~>3.11", 1 },
		{ "^3.0.0", 1 },      { "^3.12", 0 },	  { "^2", 0 },
		{ "^3.11.2", 1 },     { "1 - 3", 1 },	  { "3.0.0 - 3.11.1", 0 },
		{ "3.11 - 4", 1 },    { "2 || 3.11", 1 }, { "2 || 4", 0 },
		{ "3.11.2-beta", 0 }, { "latest", 0 },	  { "3.11.2.1", 0 },
		{ "x.1", 0 },	      { ">=", 0 },	  { "1 -", 0 },
		{ "3 || junk", 0 },
	};
	struct semver v = { 3, 11, 2 };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (piston_range_match(cases[i].range, &v) != cases[i].yes)
			fail_msg("range \"%s\": expected %d", cases[i].range, cases[i].yes);
	}
	struct semver z = { 0, 2, 5 }, zz = { 0, 0, 3 };
	assert_true(piston_range_match("^0.2.1", &z));
	assert_false(piston_range_match("^0.1", &z));
	assert_true(piston_range_match("^0", &z));
	assert_true(piston_range_match("^0.0.3", &zz));
	assert_false(piston_range_match("^0.0.2", &zz));
	char longr[400];
	memset(longr, '1', sizeof(longr) - 1);
	longr[sizeof(longr) - 1] = '\0';
	assert_false(piston_range_match(longr, &v));
}

static void test_lang_table(void **state)
{
	(void)state;
	/* every configured language has Piston's name */
	for (int i = 0; i < m.cfg.nlangs; i++)
		assert_non_null(piston_lang_find(m.cfg.langs[i].id));
	assert_string_equal(piston_lang_find("cpp")->language, "c++");
	assert_string_equal(piston_lang_find("javascript")->runtime, "node");
	assert_null(piston_lang_find("python")->runtime);
	assert_null(piston_lang_find("cobol"));
	static const struct {
		const char *id, *name;
		int yes;
	} cases[] = {
		{ "python", "python", 1 },  { "python", "py", 1 },
		{ "python", "python3", 1 }, { "cpp", "c++", 1 },
		{ "cpp", "cpp", 1 },	    { "cpp", "g++", 1 },
		{ "c", "gcc", 1 },	    { "c", "c++", 0 },
		{ "javascript", "js", 1 },  { "javascript", "node-js", 1 },
		{ "typescript", "ts", 1 },  { "bash", "sh", 1 },
		{ "go", "golang", 1 },	    { "rust", "rs", 1 },
		{ "ruby", "rb", 1 },	    { "java", "java", 1 },
		{ "php", "php", 1 },	    { "python", "Python", 0 },
		{ "cobol", "cobol", 1 },    { "cobol", "cbl", 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (piston_lang_matches(cases[i].id, cases[i].name) != cases[i].yes)
			fail_msg("%s / %s: expected %d", cases[i].id, cases[i].name, cases[i].yes);
}

static void test_verdicts(void **state)
{
	(void)state;
	static const struct {
		struct piston_outcome o;
		const char *status, *message, *signal;
		int has_code;
	} cases[] = {
		{ { 1, 0, NULL, 0, 0, 0, 0, 0 }, NULL, "", NULL, 1 },
		{ { 1, 3, NULL, 0, 0, 0, 0, 0 }, "RE", "Exited with error status 3", NULL, 1 },
		{ { 1, 0, "SIGSEGV", 0, 0, 0, 0, 0 },
		  "SG",
		  "Caught fatal signal 11",
		  "SIGSEGV",
		  0 },
		{ { 1, 0, "SIGFPE", 0, 0, 0, 0, 0 }, "SG", "Caught fatal signal 8", "SIGFPE", 0 },
		{ { 1, 0, "SIGKILL", 0, 1, 0, 0, 0 }, "TO", "Time limit exceeded", "SIGKILL", 0 },
		{ { 1, 0, "SIGKILL", 1, 0, 0, 0, 0 },
		  "TO",
		  "Time limit exceeded (wall clock)",
		  "SIGKILL",
		  0 },
		{ { 1, 0, NULL, 0, 0, 0, 1, 0 }, "OL", "stdout length exceeded", "SIGKILL", 0 },
		{ { 1, 0, NULL, 0, 0, 0, 0, 1 }, "EL", "stderr length exceeded", "SIGKILL", 0 },
		{ { 1, 0, NULL, 1, 0, 0, 1, 1 }, "OL", "stdout length exceeded", "SIGKILL", 0 },
		{ { 1, 0, "SIGKILL", 0, 0, 1, 0, 0 }, "SG", "Caught fatal signal 9", "SIGKILL", 0 },
		{ { 1, 137, NULL, 0, 0, 1, 0, 0 }, "SG", "Caught fatal signal 9", "SIGKILL", 0 },
		{ { 0, 0, NULL, 0, 0, 0, 0, 0 }, "XX", "internal error", NULL, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct piston_verdict v;
		piston_verdict_of(&cases[i].o, &v);
		if (cases[i].status)
			assert_string_equal(v.status, cases[i].status);
		else
			assert_null(v.status);
		assert_string_equal(v.message, cases[i].message);
		if (cases[i].signal)
			assert_string_equal(v.signal, cases[i].signal);
		else
			assert_null(v.signal);
		assert_int_equal(v.has_code, cases[i].has_code);
	}
}

static void test_signals_and_hex(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int n;
	} sigs[] = { { "SIGHUP", 1 },	{ "SIGABRT", 6 },  { "SIGFPE", 8 },   { "SIGKILL", 9 },
		     { "SIGSEGV", 11 }, { "SIGPIPE", 13 }, { "SIGTERM", 15 }, { "SIGXCPU", 24 },
		     { "SIGXFSZ", 25 }, { "SIGSYS", 31 },  { "SIGNOPE", 0 },  { NULL, 0 } };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		assert_int_equal(piston_signal_number(sigs[i].name), sigs[i].n);
	unsigned char out[8];
	assert_int_equal(piston_hex_decode("00fFa5", 6, out), 3);
	assert_memory_equal(out, "\x00\xff\xa5", 3);
	assert_int_equal(piston_hex_decode("abc", 3, out), -1);
	assert_int_equal(piston_hex_decode("zz", 2, out), -1);
	assert_int_equal(piston_hex_decode("", 0, out), 0);
}

static void bad(const char *body, const char *msg)
{
	cJSON *j = (cJSON *)1;
	struct req_error e;
	assert_int_equal(piston_parse(&m, body, strlen(body), &j, &e), -1);
	assert_null(j);
	assert_int_equal(e.http, 400);
	if (strcmp(e.msg, msg))
		fail_msg("%s: message \"%s\", expected \"%s\"", body, e.msg, msg);
	char *s = piston_error_json(&e);
	cJSON *o = cJSON_Parse(s);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(o, "message")), msg);
	cJSON_Delete(o);
	free(s);
}

#define F "\"files\":[{\"content\":\"print(1)\"}]"

static void test_parse_bad(void **state)
{
	(void)state;
	bad("[]", "the body is not a JSON object");
	bad("{\"version\":\"*\"," F "}", "language is required as a string");
	bad("{\"language\":3,\"version\":\"*\"," F "}", "language is required as a string");
	bad("{\"language\":\"python\"," F "}", "version is required as a string");
	bad("{\"language\":\"python\",\"version\":\"*\"}", "files is required as an array");
	bad("{\"language\":\"python\",\"version\":\"*\",\"files\":[{\"content\":1}]}",
	    "files[0].content is required as a string");
	bad("{\"language\":\"cobol\",\"version\":\"*\"," F "}", "cobol-* runtime is unknown");
	bad("{\"language\":\"python\",\"version\":\"2.x\"," F "}", "python-2.x runtime is unknown");
	bad("{\"language\":\"python\",\"version\":\"*\",\"files\":[{\"content\":\"00\","
	    "\"encoding\":\"hex\"}]}",
	    "files must include at least one utf8 encoded file");
	bad("{\"language\":\"python\",\"version\":\"*\"," F ",\"run_timeout\":\"9\"}",
	    "If specified, run_timeout must be a number");
	bad("{\"language\":\"python\",\"version\":\"*\"," F ",\"run_timeout\":99999999}",
	    "run_timeout cannot exceed the configured limit of 60000");
	bad("{\"language\":\"python\",\"version\":\"*\"," F ",\"run_cpu_time\":-5}",
	    "run_cpu_time must be non-negative");
	bad("{\"language\":\"python\",\"version\":\"*\"," F ",\"run_memory_limit\":1000}",
	    "run_memory_limit must be at least 8388608 (8 MiB)");
	bad("{\"language\":\"python\",\"version\":\"*\"," F ",\"run_memory_limit\":1e15}",
	    "run_memory_limit cannot exceed the configured limit of 1073741824");
	bad("{\"language\":\"c\",\"version\":\"*\"," F ",\"compile_timeout\":600000}",
	    "compile_timeout cannot exceed the configured limit of 60000");
	bad("{\"language\":\"python\",\"version\":\"*\",\"files\":[{\"content\":\"print(1)\"},"
	    "{\"content\":\"0g\",\"encoding\":\"hex\"}]}",
	    "files[1].content is not hex (encoding \"hex\")");
	bad("{\"language\":\"python\",\"version\":\"*\"," F ",\"stdin\":5}",
	    "stdin must be a string");
	bad("{\"language\":\"python\",\"version\":\"*\"," F ",\"args\":[1]}",
	    "args must be an array of strings");
	bad("{\"language\":\"python\",\"version\":\"*\",\"files\":[{\"content\":\"\"},"
	    "{\"name\":\"../x\",\"content\":\"\"}]}",
	    "files[1].name has a \"..\" component");
}

static cJSON *good(const char *body)
{
	cJSON *j = NULL;
	struct req_error e;
	if (piston_parse(&m, body, strlen(body), &j, &e) < 0)
		fail_msg("%s: %d %s", body, e.http, e.msg);
	return j;
}

static double num(const cJSON *o, const char *path1, const char *k)
{
	const cJSON *p = path1 ? cJSON_GetObjectItem(o, path1) : o;
	const cJSON *v = cJSON_GetObjectItem(p, k);
	assert_true(cJSON_IsNumber(v));
	return v->valuedouble;
}

static const char *str(const cJSON *o, const char *k)
{
	return cJSON_GetStringValue(cJSON_GetObjectItem(o, k));
}

static void test_parse_good(void **state)
{
	(void)state;
	cJSON *j = good("{\"language\":\"py\",\"version\":\"3.x\",\"files\":[{\"name\":\"a.py\","
			"\"content\":\"print(1)\"},{\"content\":\"68690a\",\"encoding\":\"hex\"},"
			"{\"name\":\"b.txt\",\"content\":\"aGk=\",\"encoding\":\"base64\"}],"
			"\"stdin\":\"x\",\"args\":[\"1\",\"2\"],\"run_timeout\":1500,"
			"\"run_cpu_time\":700,\"run_memory_limit\":67108864,"
			"\"compile_memory_limit\":-1}");
	assert_string_equal(str(cJSON_GetObjectItem(j, "lang"), "id"), "python");
	assert_string_equal(str(j, "source"), "print(1)");
	assert_string_equal(str(j, "stdin"), "x\n"); /* Piston adds the trailing newline */
	assert_int_equal(num(j, NULL, "time_ms"), 700);
	assert_int_equal(num(j, NULL, "wall_ms"), 1500);
	assert_int_equal(num(j, NULL, "memory_mb"), 64);
	cJSON *files = cJSON_GetObjectItem(j, "files");
	assert_int_equal(cJSON_GetArraySize(files), 2);
	assert_string_equal(str(cJSON_GetArrayItem(files, 0), "name"), "file1.code");
	assert_string_equal(str(cJSON_GetArrayItem(files, 0), "content"), "aGkK"); /* "hi\n" */
	assert_string_equal(str(cJSON_GetArrayItem(files, 1), "name"), "b.txt");
	cJSON *d = cJSON_GetObjectItem(j, "detail");
	assert_string_equal(str(d, "language"), "python");
	struct semver v; /* no pool reported its image's version here: the config's */
	char want[32];
	piston_semver_parse(config_lang(&m.cfg, "python")->version, &v);
	piston_semver_text(&v, want, sizeof(want));
	assert_string_equal(str(d, "version"), want);
	cJSON_Delete(j);
	/* defaults: 0 and -1 mean the configured ones; stdin "" becomes "\n" as in Piston */
	j = good("{\"language\":\"c++\",\"version\":\"*\"," F ",\"run_timeout\":0,"
		 "\"compile_timeout\":4000,\"compile_cpu_time\":2000,"
		 "\"compile_memory_limit\":134217728,\"run_memory_limit\":-1}");
	assert_string_equal(str(cJSON_GetObjectItem(j, "lang"), "id"), "cpp");
	assert_string_equal(str(j, "stdin"), "\n");
	assert_int_equal(num(j, NULL, "time_ms"), m.cfg.time_s * 1000);
	assert_int_equal(num(j, "lang", "compile_time_ms"), 2000);
	assert_int_equal(num(j, "lang", "compile_wall_ms"), 4000);
	assert_int_equal(num(j, "lang", "compile_memory_mb"), 128);
	assert_string_equal(str(cJSON_GetObjectItem(j, "detail"), "language"), "c++");
	cJSON_Delete(j);
	/* run_cpu_time alone: the wall is the configured time, or the CPU limit when larger */
	j = good("{\"language\":\"bash\",\"version\":\"*\"," F ",\"run_cpu_time\":250}");
	assert_int_equal(num(j, NULL, "time_ms"), 250);
	assert_int_equal(num(j, NULL, "wall_ms"), m.cfg.time_s * 1000);
	cJSON_Delete(j);
	j = good("{\"language\":\"bash\",\"version\":\"*\"," F ",\"run_cpu_time\":20000}");
	assert_int_equal(num(j, NULL, "wall_ms"), 20000);
	cJSON_Delete(j);
}

/* A job done with the native answer body (HTTP http), rendered; returns the parsed result. */
static cJSON *render(int http, const char *body)
{
	struct job j = { .http = http, .body = strdup(body) };
	piston_render(&j);
	cJSON *o = cJSON_Parse(j.body);
	free(j.body);
	assert_non_null(o);
	return o;
}

static void test_render(void **state)
{
	(void)state;
	cJSON *o =
		render(200, "{\"status\":\"runtime_error\",\"stdout\":\"a\",\"stderr\":\"b\","
			    "\"exit_code\":null,\"signal\":\"SIGSEGV\",\"execution_time_ms\":12.6,"
			    "\"cpu_time_ms\":3.2,\"memory_used_kb\":100,\"detail\":{\"language\":"
			    "\"python\",\"version\":\"3.11.2\",\"run\":{}}}");
	assert_string_equal(str(o, "language"), "python");
	assert_string_equal(str(o, "version"), "3.11.2");
	cJSON *r = cJSON_GetObjectItem(o, "run");
	assert_string_equal(str(r, "output"), "ab");
	assert_string_equal(str(r, "status"), "SG");
	assert_string_equal(str(r, "signal"), "SIGSEGV");
	assert_string_equal(str(r, "message"), "Caught fatal signal 11");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(r, "code")));
	assert_int_equal(num(r, NULL, "wall_time"), 13);
	assert_int_equal(num(r, NULL, "cpu_time"), 3);
	assert_int_equal(num(r, NULL, "memory"), 102400);
	assert_null(cJSON_GetObjectItem(o, "compile"));
	cJSON_Delete(o);
	/* a compile error: run is the compile stage, as Piston gives it */
	o = render(200, "{\"status\":\"compile_error\",\"stdout\":\"\",\"stderr\":\"\","
			"\"exit_code\":null,\"signal\":null,\"detail\":{\"language\":\"c\","
			"\"version\":\"12.2.0\",\"compile\":{\"stdout\":\"\",\"stderr\":\"bad\","
			"\"exit_code\":1,\"signal\":null,\"execution_time_ms\":40,"
			"\"cpu_time_ms\":30,\"memory_used_kb\":2000}}}");
	cJSON *c = cJSON_GetObjectItem(o, "compile");
	assert_string_equal(str(c, "stderr"), "bad");
	assert_string_equal(str(c, "status"), "RE");
	assert_int_equal(num(c, NULL, "code"), 1);
	assert_true(cJSON_Compare(c, cJSON_GetObjectItem(o, "run"), 1));
	cJSON_Delete(o);
	/* output over the cap on stderr; a timeout on the CPU clock */
	o = render(200, "{\"status\":\"output_limit_exceeded\",\"exit_code\":0,\"signal\":null,"
			"\"detail\":{\"run\":{\"stderr_capped\":true}}}");
	assert_string_equal(str(cJSON_GetObjectItem(o, "run"), "status"), "EL");
	cJSON_Delete(o);
	o = render(200, "{\"status\":\"timeout\",\"exit_code\":null,\"signal\":\"SIGKILL\","
			"\"detail\":{\"run\":{\"cpu_timeout\":true,\"wall_timeout\":true}}}");
	assert_string_equal(str(cJSON_GetObjectItem(o, "run"), "message"), "Time limit exceeded");
	cJSON_Delete(o);
	/* errors: {"message"} */
	o = render(503, "{\"error\":\"the queue is full\"}");
	assert_string_equal(str(o, "message"), "the queue is full");
	cJSON_Delete(o);
	o = render(500, "{\"status\":\"internal_error\",\"error\":\"engine down\"}");
	assert_string_equal(str(o, "message"), "engine down");
	cJSON_Delete(o);
}

static void test_runtimes_and_paths(void **state)
{
	(void)state;
	cJSON *a = piston_runtimes(&m);
	assert_int_equal(cJSON_GetArraySize(a), m.cfg.nlangs);
	const cJSON *r;
	cJSON_ArrayForEach (r, a) {
		struct semver v;
		assert_int_equal(piston_semver_parse(str(r, "version"), &v), 0);
		assert_true(cJSON_IsArray(cJSON_GetObjectItem(r, "aliases")));
	}
	assert_string_equal(str(cJSON_GetArrayItem(a, 4), "language"), "c++");
	cJSON_Delete(a);
	assert_true(piston_path("/api/v2"));
	assert_true(piston_path("/api/v2/x"));
	assert_false(piston_path("/api/v2x"));
	assert_false(piston_path("/api/v1/execute"));
	assert_true(piston_route_known("/api/v2/runtimes", "GET"));
	assert_true(piston_route_known("/api/v2/runtimes", "HEAD"));
	assert_false(piston_route_known("/api/v2/runtimes", "POST"));
	assert_true(piston_route_known("/api/v2/execute", "POST"));
	assert_false(piston_route_known("/api/v2/execute", "GET"));
	assert_false(piston_route_known("/api/v2/packages", "GET"));
	char *s = piston_not_found();
	assert_string_equal(s, "{\"message\":\"Not Found\"}");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_semver_parse),	   cmocka_unit_test(test_range_match),
		cmocka_unit_test(test_lang_table),	   cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_signals_and_hex),	   cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_parse_good),	   cmocka_unit_test(test_render),
		cmocka_unit_test(test_runtimes_and_paths),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
