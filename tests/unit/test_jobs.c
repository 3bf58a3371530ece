/*
 * test_jobs.c - unit tests of master/jobs.c: the master-side deadline of a dispatched job (its
 * limits, capped by limits.max_request_s, plus the engine margin), queue order with a job put
 * back at the head, the queue cap, and a job's end: its callback once, or freed when detached.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "jobs.h"

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

static struct queue q;

static int reset(void **state __attribute__((unused)))
{
	memset(&q, 0, sizeof(q));
	q.next_id = 1;
	return 0;
}

/* Submits an empty spec for lang to q (cap 8), done called with arg when it ends. */
static struct job *submit_to(const char *lang, job_done_fn done, void *arg)
{
	int http = 0;
	char *body = NULL;
	return jobs_submit(&q, 8, cJSON_CreateObject(), lang, done, arg, &http, &body);
}

static struct job *submit(const char *lang)
{
	struct job *j = submit_to(lang, NULL, NULL);
	assert_non_null(j);
	return j;
}

TEST(requeued_job_goes_first_and_dequeue_takes_a_queued_one)
{
	struct job *a = submit("python"), *b = submit("c");
	assert_int_equal(a->id, 1);
	assert_int_equal(b->id, 2);
	jobs_unlink(&q, NULL, a);
	assert_int_equal(q.len, 1);
	jobs_requeue(&q, a);
	assert_ptr_equal(q.head, a);
	assert_ptr_equal(q.tail, b);
	assert_int_equal(q.len, 2);
	assert_int_equal(jobs_dequeue(&q, b), 0);
	assert_int_equal(jobs_dequeue(&q, b), -1); /* no longer queued */
	assert_int_equal(q.len, 1);
	assert_ptr_equal(q.tail, a);
	assert_null(a->next);
	jobs_finish(b, 499, strdup("{}")); /* no callback: finishing frees it */
	jobs_drop_queue(&q, 503, "stop");
	assert_int_equal(q.len, 0);
	assert_null(q.head);
	assert_null(q.tail);
}

TEST(full_queue_refuses)
{
	int http = 0;
	char *body = NULL;
	submit("python");
	cJSON *sp = cJSON_CreateObject();
	assert_null(jobs_submit(&q, 1, sp, "python", NULL, NULL, &http, &body));
	assert_int_equal(http, 503);
	assert_non_null(strstr(body, "queue is full"));
	free(body);
	cJSON_Delete(sp);
	assert_int_equal(q.len, 1);
	jobs_drop_queue(&q, 503, "stop");
}

static int calls;
static struct job *seen;

static void on_done(struct job *j, void *arg)
{
	calls++;
	seen = j;
	assert_ptr_equal(arg, &calls);
}

TEST(finish_calls_the_callback_once_with_the_answer)
{
	calls = 0;
	struct job *j = submit_to("c", on_done, &calls);
	assert_non_null(j);
	jobs_unlink(&q, NULL, j);
	jobs_finish(j, 200, strdup("{\"ok\":true}"));
	assert_int_equal(calls, 1);
	assert_ptr_equal(seen, j);
	assert_true(j->done);
	assert_int_equal(j->http, 200);
	assert_string_equal(j->body, "{\"ok\":true}");
	assert_null(j->spec); /* the request is gone once answered */
	jobs_free(j);          /* the callback's owner frees it */
}

TEST(a_detached_job_is_freed_when_it_ends)
{
	calls = 0;
	struct job *j = submit_to("c", on_done, &calls);
	jobs_detach(j); /* the client went away */
	jobs_drop_queue(&q, 503, "stop");
	assert_int_equal(calls, 0); /* and under ASan: no leak */
}

TEST(queued_jobs_time_out_in_order)
{
	struct job *a = submit("python");
	submit("c");
	a->t_admit -= 10000;
	jobs_expire(&q, a->t_admit + 10000, 5.0, 1); /* a is 10 s old, the other new */
	assert_int_equal(q.len, 1);
	assert_string_equal(q.head->lang, "c");
	jobs_drop_queue(&q, 503, "stop");
}

TEST(a_stored_submission_never_times_out_in_the_queue)
{
	struct job *a = submit("python");
	a->keep_queued = 1;
	a->t_admit -= 100000;
	jobs_expire(&q, a->t_admit + 100000, 5.0, 0);
	assert_int_equal(q.len, 1);
	jobs_drop_queue(&q, 503, "stop");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(deadline_is_limits_plus_margin),
		cmocka_unit_test(deadline_of_many_tests_is_capped_by_max_request_s),
		cmocka_unit_test_setup(requeued_job_goes_first_and_dequeue_takes_a_queued_one,
				       reset),
		cmocka_unit_test_setup(full_queue_refuses, reset),
		cmocka_unit_test_setup(finish_calls_the_callback_once_with_the_answer, reset),
		cmocka_unit_test_setup(a_detached_job_is_freed_when_it_ends, reset),
		cmocka_unit_test_setup(queued_jobs_time_out_in_order, reset),
		cmocka_unit_test_setup(a_stored_submission_never_times_out_in_the_queue, reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
