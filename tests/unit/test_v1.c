/*
 * test_v1.c - unit tests of master/v1.c: the /v1/exec request check (fields named in 400s, the
 * native parser's checks kept), the rendering of native answers in the seed's shape, /v1/spec's
 * fields for every configured language, and the embedded OpenAPI document.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "v1.h"

#include "conf_fixture.h"

static void bad(const char *body, int http, const char *field)
{
	cJSON *j = (cJSON *)1;
	struct req_error e;
	assert_int_equal(v1_parse(body, strlen(body), &m.cfg, &j, &e), -1);
	assert_null(j);
	assert_int_equal(e.http, http);
	if (strcmp(e.field, field))
		fail_msg("%s: field \"%s\" (%s), expected \"%s\"", body, e.field, e.msg, field);
	assert_true(e.msg[0] != '\0');
}

static void test_parse_good(void **state)
{
	(void)state;
	const char *b = "{\"language\":\"python\",\"code\":\"print(input())\",\"stdin\":\"x\","
			"\"args\":[\"a\"],\"timeout\":2}";
	cJSON *j;
	struct req_error e;
	assert_int_equal(v1_parse(b, strlen(b), &m.cfg, &j, &e), 0);
	assert_string_equal(cJSON_GetObjectItem(j, "source")->valuestring, "print(input())");
	assert_string_equal(cJSON_GetObjectItem(j, "stdin")->valuestring, "x");
	assert_int_equal((int)cJSON_GetObjectItem(j, "time_ms")->valuedouble, 2000);
	assert_string_equal(
		cJSON_GetObjectItem(cJSON_GetObjectItem(j, "lang"), "id")->valuestring, "python");
	assert_null(cJSON_GetObjectItem(j, "tests"));
	cJSON_Delete(j);
}

static void test_parse_bad(void **state)
{
	(void)state;
	bad("{\"code\":\"1\"}", 400, "language");
	bad("{\"language\":7,\"code\":\"1\"}", 400, "language");
	bad("{\"language\":\"cobol\",\"code\":\"1\"}", 400, "language");
	bad("{\"language\":\"python\"}", 400, "code");
	bad("{\"language\":\"python\",\"code\":null}", 400, "code");
	bad("{\"language\":\"python\",\"code\":{}}", 400, "code");
	bad("{\"language\":\"python\",\"code\":\"1\",\"stdin\":[]}", 400, "stdin");
	bad("{\"language\":\"python\",\"code\":\"1\",\"timeout\":-1}", 400, "timeout");
	bad("{\"language\":\"python\",\"source_code\":\"1\"}", 400, "source_code");
	bad("{\"language\":\"python\",\"code\":\"1\",\"tests\":[{}]}", 400, "tests");
	bad("{\"language\":\"python\",\"code\":\"1\",\"code\":\"2\"}", 400, "code");
	bad("{\"language\":\"python\",\"code\":\"1\"} x", 400, "");
	bad("[]", 400, "");
	bad("", 400, "");
}

static cJSON *render(const char *native, int http)
{
	struct job j = { .id = 1, .http = http, .body = strdup(native) };
	v1_render(&j);
	cJSON *o = cJSON_Parse(j.body);
	free(j.body);
	assert_non_null(o);
	return o;
}

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItem(o, k);
	if (!cJSON_IsString(v))
		fail_msg("%s is not a string", k);
	return v->valuestring;
}

/* render(), asserting the seed's status in the answer. */
static cJSON *render_status(const char *native, int http, const char *status)
{
	cJSON *o = render(native, http);
	assert_string_equal(str(o, "status"), status);
	return o;
}

static void test_render(void **state)
{
	(void)state;
	cJSON *o = render_status("{\"id\":1,\"language\":\"python\",\"status\":\"ok\","
				 "\"stdout\":\"42\\n\",\"stderr\":\"\",\"exit_code\":0,"
				 "\"signal\":null,\"execution_time_ms\":15.36,"
				 "\"cpu_time_ms\":12.25,\"memory_used_kb\":7676,"
				 "\"memory_used_mb\":7.49,\"timeout\":false,"
				 "\"memory_exceeded\":false,\"output_truncated\":false,"
				 "\"timing\":{\"queue_ms\":0}}",
				 200, "success");
	assert_string_equal(str(o, "stdout"), "42\n");
	assert_string_equal(str(o, "language"), "python");
	assert_int_equal(cJSON_GetObjectItem(o, "exit_code")->valueint, 0);
	assert_true(cJSON_GetObjectItem(o, "time")->valuedouble == 0.015);
	assert_true(cJSON_GetObjectItem(o, "cpu_time")->valuedouble == 0.012);
	assert_int_equal(cJSON_GetObjectItem(o, "memory")->valueint, 7676);
	assert_null(cJSON_GetObjectItem(o, "id"));
	assert_null(cJSON_GetObjectItem(o, "timing"));
	assert_null(cJSON_GetObjectItem(o, "memory_used_mb"));
	cJSON_Delete(o);
	o = render_status("{\"id\":2,\"language\":\"c\",\"status\":\"compile_error\","
			  "\"stdout\":\"\",\"stderr\":\"\",\"exit_code\":null,\"signal\":null,"
			  "\"compile_output\":\"e: x\"}",
			  200, "compile_error");
	assert_string_equal(str(o, "stderr"), "e: x");
	assert_string_equal(str(o, "compile_output"), "e: x");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "exit_code")));
	cJSON_Delete(o);
	o = render_status("{\"id\":3,\"language\":\"c\",\"status\":\"internal_error\","
			  "\"error\":\"no\"}",
			  500, "internal_error");
	assert_string_equal(str(o, "stdout"), "");
	assert_string_equal(str(o, "error"), "no");
	cJSON_Delete(o);
	o = render("{\"error\":\"the queue is full\"}", 503); /* the master's own: as it is */
	assert_string_equal(str(o, "error"), "the queue is full");
	assert_null(cJSON_GetObjectItem(o, "status"));
	cJSON_Delete(o);
}

static void test_spec_and_openapi(void **state)
{
	(void)state;
	cJSON *s = v1_spec(&m);
	assert_int_equal(cJSON_GetArraySize(s), m.cfg.nlangs);
	for (int i = 0; i < m.cfg.nlangs; i++) {
		const struct lang *g = &m.cfg.langs[i];
		cJSON *l = cJSON_GetObjectItem(s, g->id);
		assert_non_null(l);
		assert_string_equal(str(l, "image"), g->image);
		assert_string_equal(str(l, "filename"), g->file);
		assert_string_equal(str(l, "version"), g->version);
		assert_true(!strncmp(str(l, "cmd"), g->run[0], strlen(g->run[0])));
		assert_true(g->compile ? cJSON_IsString(cJSON_GetObjectItem(l, "compile_cmd"))
				       : cJSON_IsNull(cJSON_GetObjectItem(l, "compile_cmd")));
	}
	cJSON_Delete(s);
	char *d = v1_openapi();
	cJSON *o = cJSON_Parse(d);
	assert_non_null(o);
	assert_string_equal(str(o, "openapi"), "3.1.0");
	assert_non_null(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "paths"), "/v1/exec"));
	cJSON_Delete(o);
	free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_spec_and_openapi),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
