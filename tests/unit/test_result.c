/*
 * test_result.c - unit tests of workers/result.c: the answer users see for plain and judge jobs
 * (status and verdict strings, HTTP codes, which keys exist), compile errors, cancellation,
 * internal errors, and the output caps that keep any result within one wire message.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "result.h"

#define TEST(name) static void name(void **state __attribute__((unused)))

static cJSON *spec;

static int group_setup(void **state)
{
	(void)state;
	spec = cJSON_Parse("{\"id\":7,\"lang\":{\"id\":\"python\"},\"time_ms\":1000,"
			   "\"memory_mb\":64,\"queue_ms\":3}");
	return spec ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	cJSON_Delete(spec);
	return 0;
}

/* A step with the given output and outcome (bufs capped at 64 MiB). */
static struct step mk(const char *out, int64_t exit_code, int sig, uint64_t flags)
{
	struct step s;
	memset(&s, 0, sizeof(s));
	buf_init(&s.out, 64u << 20);
	buf_init(&s.err, 64u << 20);
	buf_append(&s.out, out, strlen(out));
	buf_append(&s.err, "", 0);
	s.exit_code = exit_code;
	s.signal = sig;
	s.flags = flags;
	s.wall_us = 12345;
	s.cpu_us = 2000;
	s.maxrss_kb = 2048;
	return s;
}

static void step_free(struct step *s)
{
	buf_free(&s->out);
	buf_free(&s->err);
}

/* Renders r and parses the body back; *http gets the status. */
static cJSON *render(struct job_result *r, int *http)
{
	char *body = result_json(r, http);
	assert_non_null(body);
	assert_true(strlen(body) <= RESULT_MAX_BYTES);
	cJSON *o = cJSON_Parse(body);
	free(body);
	assert_non_null(o);
	return o;
}

static const char *str(const cJSON *o, const char *k)
{
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(o, k));
	assert_non_null(v);
	return v;
}

/* A result for the spec with these runs (ntests of them, nruns ran); all else zero. */
static void result_of(struct job_result *r, struct step *runs, int ntests, int nruns)
{
	memset(r, 0, sizeof(*r));
	r->spec = spec;
	r->runs = runs;
	r->ntests = ntests;
	r->nruns = nruns;
}

static void plain(struct step *run, cJSON **o, int *http, struct job_result *r)
{
	result_of(r, run, 1, 1);
	*o = render(r, http);
}

TEST(plain_ok_shape)
{
	struct step s = mk("hi\n", 0, 0, 0);
	struct job_result r;
	cJSON *o;
	int http;
	plain(&s, &o, &http, &r);
	assert_int_equal(http, 200);
	assert_string_equal(r.status, "ok");
	assert_string_equal(str(o, "status"), "ok");
	assert_string_equal(str(o, "stdout"), "hi\n");
	assert_string_equal(str(o, "stderr"), "");
	assert_string_equal(str(o, "language"), "python");
	assert_int_equal(cJSON_GetObjectItem(o, "id")->valueint, 7);
	assert_int_equal(cJSON_GetObjectItem(o, "exit_code")->valueint, 0);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "signal")));
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(o, "timeout")));
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(o, "memory_exceeded")));
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(o, "output_truncated")));
	assert_true(cJSON_GetObjectItem(o, "execution_time_ms")->valuedouble == 12.34);
	assert_int_equal(cJSON_GetObjectItem(o, "memory_used_kb")->valueint, 2048);
	assert_null(cJSON_GetObjectItem(o, "compile_output")); /* no compile step */
	assert_null(cJSON_GetObjectItem(o, "verdict"));        /* plain mode */
	cJSON *t = cJSON_GetObjectItem(o, "timing");
	assert_int_equal(cJSON_GetObjectItem(t, "queue_ms")->valueint, 3);
	assert_non_null(cJSON_GetObjectItem(t, "worker_total_ms"));
	cJSON_Delete(o);
	step_free(&s);
}

TEST(plain_outcomes)
{
	static const struct { int64_t exit; int sig; uint64_t flags; const char *status; } c[] = {
		{ 0, SIGKILL, SF_WALL_TIMEOUT, "timeout" },
		{ 0, SIGKILL, SF_OOM, "memory_exceeded" },
		{ 0, SIGKILL, SF_STDOUT_CAP, "output_limit_exceeded" },
		{ 1, 0, 0, "runtime_error" },
		{ 0, SIGSEGV, 0, "runtime_error" },
		{ 127, 0, SF_SPAWN_FAILED, "internal_error" },
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct step s = mk("", c[i].exit, c[i].sig, c[i].flags);
		struct job_result r;
		cJSON *o;
		int http;
		plain(&s, &o, &http, &r);
		/* the program was judged: its status says how it went */
		assert_int_equal(http, 200);
		assert_string_equal(str(o, "status"), c[i].status);
		assert_string_equal(r.status, c[i].status);
		cJSON_bool timeout = cJSON_IsTrue(cJSON_GetObjectItem(o, "timeout"));
		assert_int_equal(timeout, !strcmp(c[i].status, "timeout"));
		cJSON_bool mem = cJSON_IsTrue(cJSON_GetObjectItem(o, "memory_exceeded"));
		assert_int_equal(mem, !strcmp(c[i].status, "memory_exceeded"));
		if (c[i].sig) {
			assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "exit_code")));
			assert_string_equal(str(o, "signal"),
					    c[i].sig == SIGKILL ? "SIGKILL" : "SIGSEGV");
		}
		if (c[i].flags & SF_STDOUT_CAP)
			assert_true(cJSON_IsTrue(cJSON_GetObjectItem(o, "output_truncated")));
		cJSON_Delete(o);
		step_free(&s);
	}
}

TEST(plain_compile_error)
{
	struct step run = mk("", 0, 0, 0);
	struct job_result r;
	result_of(&r, &run, 1, 0);
	r.has_compile = r.compile_ran = r.compile_failed = 1;
	r.compile = mk("", 1, 0, 0);
	buf_append(&r.compile.err, "main.c:1: error\n", 16);
	int http;
	cJSON *o = render(&r, &http);
	assert_int_equal(http, 200);
	assert_string_equal(str(o, "status"), "compile_error");
	assert_string_equal(str(o, "compile_output"), "main.c:1: error\n");
	assert_string_equal(str(o, "stdout"), "");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "exit_code")));
	assert_non_null(cJSON_GetObjectItem(o, "compile_time_ms"));
	cJSON_Delete(o);
	step_free(&run);
	step_free(&r.compile);
}

TEST(judge_verdicts_and_skips)
{
	struct step runs[3] = { mk("1\n", 0, 0, 0), mk("2\n", 0, 0, SF_STDOUT_CAP),
				mk("", 0, 0, 0) };
	enum judge_verdict v[3] = { VERDICT_ACCEPTED, VERDICT_WRONG_ANSWER, VERDICT_SKIPPED };
	struct job_result r;
	result_of(&r, runs, 3, 2); /* stop_on_first_failure: the third did not run */
	r.judge = 1;
	r.verdicts = v;
	int http;
	cJSON *o = render(&r, &http);
	assert_int_equal(http, 200);
	assert_string_equal(str(o, "status"), "ok");
	assert_string_equal(str(o, "verdict"), "wrong_answer"); /* the first that failed */
	assert_string_equal(r.status, "wrong_answer");
	assert_int_equal(cJSON_GetObjectItem(o, "passed")->valueint, 1);
	assert_int_equal(cJSON_GetObjectItem(o, "total")->valueint, 3);
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(o, "time_budget_exceeded")));
	cJSON *tests = cJSON_GetObjectItem(o, "tests");
	assert_int_equal(cJSON_GetArraySize(tests), 3);
	cJSON *t0 = cJSON_GetArrayItem(tests, 0), *t1 = cJSON_GetArrayItem(tests, 1);
	cJSON *t2 = cJSON_GetArrayItem(tests, 2);
	assert_string_equal(str(t0, "verdict"), "accepted");
	assert_string_equal(str(t0, "stdout"), "1\n");
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(t0, "output_truncated")));
	assert_string_equal(str(t1, "verdict"), "wrong_answer");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(t1, "output_truncated")));
	assert_string_equal(str(t2, "verdict"), "skipped");
	assert_int_equal(cJSON_GetObjectItem(t2, "index")->valueint, 2);
	assert_null(cJSON_GetObjectItem(t2, "stdout")); /* nothing ran: no measures */
	assert_null(cJSON_GetObjectItem(o, "stdout"));  /* judge mode: per test only */
	cJSON_Delete(o);
	for (int i = 0; i < 3; i++)
		step_free(&runs[i]);
}

TEST(judge_all_accepted_and_compile_error)
{
	struct step runs[2] = { mk("a", 0, 0, 0), mk("b", 0, 0, 0) };
	enum judge_verdict v[2] = { VERDICT_ACCEPTED, VERDICT_ACCEPTED };
	struct job_result r;
	result_of(&r, runs, 2, 2);
	r.judge = 1;
	r.verdicts = v;
	int http;
	cJSON *o = render(&r, &http);
	assert_string_equal(str(o, "verdict"), "accepted");
	assert_int_equal(cJSON_GetObjectItem(o, "passed")->valueint, 2);
	cJSON_Delete(o);
	r.has_compile = r.compile_ran = r.compile_failed = 1;
	r.nruns = 0;
	r.compile = mk("bad", 1, 0, 0);
	o = render(&r, &http);
	assert_int_equal(http, 200);
	assert_string_equal(str(o, "status"), "compile_error");
	assert_string_equal(str(o, "verdict"), "compile_error");
	assert_int_equal(cJSON_GetObjectItem(o, "passed")->valueint, 0);
	assert_int_equal(cJSON_GetObjectItem(o, "compile_count")->valueint, 1);
	cJSON *t;
	cJSON_ArrayForEach(t, cJSON_GetObjectItem(o, "tests"))
		assert_string_equal(str(t, "verdict"), "skipped");
	cJSON_Delete(o);
	step_free(&runs[0]);
	step_free(&runs[1]);
	step_free(&r.compile);
}

TEST(cancelled_and_internal_error)
{
	struct step s = mk("", 0, 0, 0);
	struct job_result r;
	result_of(&r, &s, 1, 0);
	r.cancelled = 1;
	int http;
	cJSON *o = render(&r, &http);
	assert_int_equal(http, 499);
	assert_string_equal(str(o, "status"), "cancelled");
	assert_null(cJSON_GetObjectItem(o, "stdout"));
	cJSON_Delete(o);
	r.cancelled = 0;
	snprintf(r.error, sizeof(r.error), "the sandbox helper failed: x");
	o = render(&r, &http);
	assert_int_equal(http, 500);
	assert_string_equal(str(o, "status"), "internal_error");
	assert_string_equal(str(o, "error"), "the sandbox helper failed: x");
	assert_string_equal(r.status, "internal_error");
	assert_non_null(cJSON_GetObjectItem(o, "timing"));
	cJSON_Delete(o);
	step_free(&s);
}

/* Output that renders six bytes per byte (control characters) beyond the budget is cut so the
 * whole body stays within RESULT_MAX_BYTES (render() checks), and the cut is reported. */
TEST(output_capped_to_the_wire)
{
	size_t n = 10u << 20;
	struct step s = mk("", 0, 0, 0);
	char *junk = malloc(n);
	assert_non_null(junk);
	memset(junk, 1, n);
	assert_int_equal(buf_append(&s.out, junk, n), 0);
	assert_int_equal(buf_append(&s.err, junk, n), 0);
	free(junk);
	struct job_result r;
	cJSON *o;
	int http;
	plain(&s, &o, &http, &r);
	assert_string_equal(str(o, "status"), "ok");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(o, "output_truncated")));
	assert_true(strlen(str(o, "stdout")) < n);
	cJSON_Delete(o);
	step_free(&s);
}

TEST(names_at_the_edge)
{
	assert_string_equal(judge_status_name(STATUS_MEMORY_EXCEEDED), "memory_exceeded");
	assert_string_equal(judge_status_name(STATUS_OUTPUT_LIMIT), "output_limit_exceeded");
	assert_string_equal(judge_verdict_name(VERDICT_TIME_LIMIT), "time_limit_exceeded");
	assert_string_equal(judge_verdict_name(VERDICT_SKIPPED), "skipped");
	assert_string_equal(judge_verdict_name((enum judge_verdict)99), "internal_error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_ok_shape),
		cmocka_unit_test(plain_outcomes),
		cmocka_unit_test(plain_compile_error),
		cmocka_unit_test(judge_verdicts_and_skips),
		cmocka_unit_test(judge_all_accepted_and_compile_error),
		cmocka_unit_test(cancelled_and_internal_error),
		cmocka_unit_test(output_capped_to_the_wire),
		cmocka_unit_test(names_at_the_edge),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
