/*
 * test_grpc_conv.c - unit tests of master/grpc_conv.c: an ExecuteRequest becomes the JSON body
 * request.c checks (field errors name the proto's fields), native results become
 * ExecuteResponses (judge mode, output files, signals) and ExecuteStream events, and HTTP
 * answers map to gRPC codes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <grpc/status.h>

#include "grpc_conv.h"
#include "request.h"

#include "conf_fixture.h"

/* Converts r and runs request.c on it: 0 with *spec, or -1 with *e. */
static int parse(const Executor__ExecuteRequest *r, cJSON **spec, struct req_error *e)
{
	cJSON *j = grpc_conv_request(r);
	assert_non_null(j);
	char *txt = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	int rc = request_parse(txt, strlen(txt), &m.cfg, spec, e);
	free(txt);
	return rc;
}

static void test_request_seed_fields(void **state)
{
	(void)state;
	Executor__ExecuteRequest r = EXECUTOR__EXECUTE_REQUEST__INIT;
	r.language = "python";
	r.code = "print(input())";
	r.input = "x";
	r.timeout_seconds = 2;
	r.memory_limit_mb = 128;
	r.cpu_limit = 0.5;
	cJSON *j = grpc_conv_request(&r);
	assert_string_equal(cJSON_GetObjectItem(j, "code")->valuestring, "print(input())");
	assert_string_equal(cJSON_GetObjectItem(j, "input")->valuestring, "x");
	assert_int_equal(cJSON_GetObjectItem(j, "timeout_seconds")->valueint, 2);
	assert_null(cJSON_GetObjectItem(j, "wall_time_limit")); /* 0: not given */
	assert_null(cJSON_GetObjectItem(j, "tests"));
	cJSON_Delete(j);
	cJSON *spec;
	struct req_error e;
	assert_int_equal(parse(&r, &spec, &e), 0);
	assert_int_equal((int)cJSON_GetObjectItem(spec, "time_ms")->valuedouble, 2000);
	assert_int_equal((int)cJSON_GetObjectItem(spec, "memory_mb")->valuedouble, 128);
	assert_string_equal(cJSON_GetObjectItem(spec, "stdin")->valuestring, "x");
	cJSON_Delete(spec);
}

static void expect_field(Executor__ExecuteRequest *r, const char *field)
{
	cJSON *spec = (cJSON *)1;
	struct req_error e;
	assert_int_equal(parse(r, &spec, &e), -1);
	assert_int_equal(e.http, 400);
	if (strcmp(e.field, field))
		fail_msg("field \"%s\" (%s), expected \"%s\"", e.field, e.msg, field);
}

static void test_request_errors_name_proto_fields(void **state)
{
	(void)state;
	Executor__ExecuteRequest r = EXECUTOR__EXECUTE_REQUEST__INIT;
	r.language = "python";
	r.code = "print(1)";
	r.timeout_seconds = -1;
	expect_field(&r, "timeout_seconds");
	r.timeout_seconds = 0;
	r.memory_limit_mb = 1 << 30;
	expect_field(&r, "memory_limit_mb");
	r.memory_limit_mb = 0;
	r.cpu_limit = -2;
	expect_field(&r, "cpu_limit");
	r.cpu_limit = 0;
	r.language = "cobol";
	expect_field(&r, "language");
}

static void test_request_judge_and_files(void **state)
{
	(void)state;
	Executor__TestCase t1 = EXECUTOR__TEST_CASE__INIT, t2 = EXECUTOR__TEST_CASE__INIT;
	t1.stdin = "1 2";
	t1.expected_output = "3";
	t2.stdin = "2 2";
	t2.expected_output = "4";
	Executor__TestCase *tests[] = { &t1, &t2 };
	Executor__File f = EXECUTOR__FILE__INIT;
	f.name = "data.bin";
	f.content = (ProtobufCBinaryData){ 3, (uint8_t *)"\0\1\2" };
	Executor__File *files[] = { &f };
	Executor__ExecuteRequest r = EXECUTOR__EXECUTE_REQUEST__INIT;
	r.language = "python";
	r.code = "print(sum(map(int, input().split())))";
	r.n_tests = 2;
	r.tests = tests;
	r.n_files = 1;
	r.files = files;
	r.compare = "tokens";
	r.time_limit = 1.5;
	r.timeout_seconds = 9; /* time_limit wins */
	cJSON *j = grpc_conv_request(&r);
	const cJSON *fj = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "files"), 0);
	assert_string_equal(cJSON_GetObjectItem(fj, "content")->valuestring, "AAEC");
	assert_string_equal(cJSON_GetObjectItem(fj, "encoding")->valuestring, "base64");
	assert_null(cJSON_GetObjectItem(j, "timeout_seconds"));
	cJSON_Delete(j);
	cJSON *spec;
	struct req_error e;
	assert_int_equal(parse(&r, &spec, &e), 0);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(spec, "tests")), 2);
	assert_string_equal(cJSON_GetObjectItem(spec, "compare")->valuestring, "tokens");
	assert_int_equal((int)cJSON_GetObjectItem(spec, "time_ms")->valuedouble, 1500);
	cJSON_Delete(spec);
}

static Executor__ExecuteResponse *convert(const char *json)
{
	cJSON *res = cJSON_Parse(json);
	uint8_t *p;
	size_t n;
	assert_int_equal(grpc_conv_response(res, &p, &n), 0);
	cJSON_Delete(res);
	Executor__ExecuteResponse *r = executor__execute_response__unpack(NULL, n, p);
	free(p);
	assert_non_null(r);
	return r;
}

static void test_response_plain(void **state)
{
	(void)state;
	Executor__ExecuteResponse *r = convert(
		"{\"id\":7,\"language\":\"python\",\"status\":\"ok\",\"stdout\":\"42\\n\","
		"\"stderr\":\"\",\"exit_code\":0,\"signal\":null,\"execution_time_ms\":15.5,"
		"\"cpu_time_ms\":12.25,\"memory_used_kb\":7676,\"memory_used_mb\":7.49,"
		"\"timeout\":false,\"memory_exceeded\":false,\"output_truncated\":false,"
		"\"output_files\":[{\"name\":\"o.bin\",\"content\":\"AAEC/w==\",\"encoding\":"
		"\"base64\",\"size\":4,\"truncated\":false},{\"name\":\"t.txt\",\"content\":\"hi\","
		"\"encoding\":\"utf8\",\"size\":2,\"truncated\":false},{\"name\":\"m\","
		"\"error\":\"no such file\"}]}");
	assert_string_equal(r->stdout, "42\n");
	assert_string_equal(r->status, "ok");
	assert_int_equal(r->exit_code, 0);
	assert_int_equal(r->id, 7);
	assert_true(r->execution_time_ms == 15.5);
	assert_int_equal(r->memory_used_kb, 7676);
	assert_int_equal(r->n_output_files, 3);
	assert_int_equal(r->output_files[0]->content.len, 4);
	assert_memory_equal(r->output_files[0]->content.data, "\0\1\2\377", 4);
	assert_memory_equal(r->output_files[1]->content.data, "hi", 2);
	assert_string_equal(r->output_files[2]->error, "no such file");
	executor__execute_response__free_unpacked(r, NULL);
}

static void test_response_signal_and_judge(void **state)
{
	(void)state;
	Executor__ExecuteResponse *r = convert(
		"{\"status\":\"runtime_error\",\"verdict\":\"wrong_answer\",\"passed\":1,"
		"\"total\":2,\"compile_output\":\"\",\"exit_code\":null,\"signal\":\"SIGSEGV\","
		"\"tests\":[{\"verdict\":\"accepted\",\"exit_code\":0,\"stdout\":\"3\"},"
		"{\"verdict\":\"wrong_answer\",\"exit_code\":null,\"signal\":\"SIGKILL\"}]}");
	assert_int_equal(r->exit_code, -1);
	assert_string_equal(r->signal, "SIGSEGV");
	assert_string_equal(r->verdict, "wrong_answer");
	assert_int_equal(r->passed, 1);
	assert_int_equal(r->total, 2);
	assert_int_equal(r->n_tests, 2);
	assert_string_equal(r->tests[0]->stdout, "3");
	assert_int_equal(r->tests[1]->exit_code, -1);
	assert_string_equal(r->tests[1]->signal, "SIGKILL");
	executor__execute_response__free_unpacked(r, NULL);
	uint8_t *p;
	size_t n;
	cJSON *arr = cJSON_CreateArray();
	assert_int_equal(grpc_conv_response(arr, &p, &n), -1); /* not an object */
	cJSON_Delete(arr);
}

static void test_stream_events(void **state)
{
	(void)state;
	uint8_t *p, *resp;
	size_t n, rn;
	assert_int_equal(grpc_conv_chunk_event("stderr", (const uint8_t *)"ok\xff", 3, &p, &n), 0);
	Executor__ExecuteEvent *e = executor__execute_event__unpack(NULL, n, p);
	free(p);
	assert_non_null(e);
	assert_int_equal(e->event_case, EXECUTOR__EXECUTE_EVENT__EVENT_OUTPUT);
	assert_string_equal(e->output->stream, "stderr");
	assert_string_equal(e->output->data, "ok\xef\xbf\xbd"); /* U+FFFD */
	executor__execute_event__free_unpacked(e, NULL);
	/* a result over 127 bytes: a two-byte length */
	cJSON *res = cJSON_CreateObject();
	char big[300];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cJSON_AddStringToObject(res, "stdout", big);
	cJSON_AddStringToObject(res, "status", "ok");
	assert_int_equal(grpc_conv_response(res, &resp, &rn), 0);
	cJSON_Delete(res);
	assert_int_equal(grpc_conv_result_event(resp, rn, &p, &n), 0);
	free(resp);
	e = executor__execute_event__unpack(NULL, n, p);
	free(p);
	assert_non_null(e);
	assert_int_equal(e->event_case, EXECUTOR__EXECUTE_EVENT__EVENT_RESULT);
	assert_string_equal(e->result->stdout, big);
	assert_string_equal(e->result->status, "ok");
	executor__execute_event__free_unpacked(e, NULL);
}

static void test_status_codes(void **state)
{
	(void)state;
	static const int map[][3] = {
		{ 200, 0, GRPC_STATUS_OK },
		{ 400, 0, GRPC_STATUS_INVALID_ARGUMENT },
		{ 413, 0, GRPC_STATUS_INVALID_ARGUMENT },
		{ 401, 0, GRPC_STATUS_UNAUTHENTICATED },
		{ 429, 0, GRPC_STATUS_RESOURCE_EXHAUSTED },
		{ 503, 1, GRPC_STATUS_RESOURCE_EXHAUSTED }, /* the queue is full */
		{ 503, 0, GRPC_STATUS_UNAVAILABLE },        /* engine down, stopping */
		{ 504, 0, GRPC_STATUS_DEADLINE_EXCEEDED },
		{ 499, 0, GRPC_STATUS_CANCELLED },
		{ 500, 0, GRPC_STATUS_INTERNAL },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		assert_int_equal(grpc_conv_status(map[i][0], map[i][1]), map[i][2]);
	assert_string_equal(grpc_conv_status_name(GRPC_STATUS_UNAUTHENTICATED), "UNAUTHENTICATED");
	assert_string_equal(grpc_conv_status_name(99), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_seed_fields),
		cmocka_unit_test(test_request_errors_name_proto_fields),
		cmocka_unit_test(test_request_judge_and_files),
		cmocka_unit_test(test_response_plain),
		cmocka_unit_test(test_response_signal_and_judge),
		cmocka_unit_test(test_stream_events),
		cmocka_unit_test(test_status_codes),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
