/*
 * test_jobs.c - unit tests of master/jobs.c: the master-side deadline of a dispatched job (its
 * limits, capped by limits.max_request_s, plus the engine margin), queue order with a job put
 * back at the head, and a queued job cancelled when its client goes away.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "master.h"

#define TEST(name) static void name(void **state __attribute__((unused)))

static struct config cfg(void)
{
	struct config c;
	memset(&c, 0, sizeof(c));
	c.max_request_s = 120;
	c.docker_timeout_ms = 15000;
	c.queue_size = 8;
	return c;
}

static cJSON *spec(double wall_ms, int ntests, int compiled)
{
	cJSON *s = cJSON_CreateObject();
	cJSON_AddNumberToObject(s, "wall_ms", wall_ms);
	cJSON *lang = cJSON_AddObjectToObject(s, "lang");
	cJSON_AddNumberToObject(lang, "compile_time_ms", 10000);
	if (compiled)
		cJSON_AddItemToArray(cJSON_AddArrayToObject(lang, "compile"),
				     cJSON_CreateString("cc"));
	if (ntests) {
		cJSON *t = cJSON_AddArrayToObject(s, "tests");
		for (int i = 0; i < ntests; i++)
			cJSON_AddItemToArray(t, cJSON_CreateObject());
	}
	return s;
}

TEST(deadline_is_limits_plus_margin)
{
	struct config c = cfg();
	cJSON *s = spec(2000, 0, 0);
	/* one run: 2 s wall + 5 s step slack, plus 3 x 15 s engine calls + 10 s */
	assert_int_equal(jobs_deadline_ms(s, &c), 2000 + 5000 + 55000);
	cJSON_Delete(s);
	s = spec(2000, 3, 1); /* compile: twice its 10 s + 5 s; three tests */
	assert_int_equal(jobs_deadline_ms(s, &c), 25000 + 3 * 7000 + 55000);
	cJSON_Delete(s);
}

TEST(deadline_of_many_tests_is_capped_by_max_request_s)
{
	struct config c = cfg();
	cJSON *s = spec(60000, 512, 0); /* 512 x 65 s would be over nine hours */
	assert_int_equal(jobs_deadline_ms(s, &c), 120000 + 65000 + 55000);
	cJSON_Delete(s);
}

static int reset(void **state __attribute__((unused)))
{
	M.cfg = cfg();
	M.queue_head = M.queue_tail = NULL;
	M.queued = 0;
	M.stopping = 0;
	return 0;
}

static struct job *submit(const char *lang)
{
	int http = 0;
	char *body = NULL;
	struct job *j = jobs_submit(cJSON_CreateObject(), lang, NULL, &http, &body);
	assert_non_null(j);
	return j;
}

TEST(requeued_job_goes_first_and_cancel_drops_a_queued_one)
{
	struct job *a = submit("python"), *b = submit("c");
	jobs_unlink(NULL, a);
	assert_int_equal(M.queued, 1);
	jobs_requeue(a);
	assert_ptr_equal(M.queue_head, a);
	assert_ptr_equal(M.queue_tail, b);
	assert_int_equal(M.queued, 2);
	jobs_cancel(b); /* no connection: finishing frees it */
	assert_int_equal(M.queued, 1);
	assert_ptr_equal(M.queue_tail, a);
	assert_null(a->next);
	jobs_drop_queue(503, "stop");
	assert_int_equal(M.queued, 0);
	assert_null(M.queue_head);
}

TEST(full_queue_and_stopping_refuse)
{
	int http = 0;
	char *body = NULL;
	M.cfg.queue_size = 1;
	struct job *a = submit("python");
	cJSON *sp = cJSON_CreateObject();
	assert_null(jobs_submit(sp, "python", NULL, &http, &body));
	assert_int_equal(http, 503);
	free(body);
	cJSON_Delete(sp);
	(void)a;
	jobs_drop_queue(503, "stop");
	M.stopping = 1;
	sp = cJSON_CreateObject();
	assert_null(jobs_submit(sp, "python", NULL, &http, &body));
	assert_non_null(strstr(body, "shutting down"));
	free(body);
	cJSON_Delete(sp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(deadline_is_limits_plus_margin),
		cmocka_unit_test(deadline_of_many_tests_is_capped_by_max_request_s),
		cmocka_unit_test_setup(requeued_job_goes_first_and_cancel_drops_a_queued_one,
				       reset),
		cmocka_unit_test_setup(full_queue_and_stopping_refuse, reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
