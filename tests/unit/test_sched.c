/*
 * test_sched.c - unit tests of the scheduling: the pure policy (master/policy.c: which queued
 * job an idle worker takes, which pool is refilled first, backoff) and sched.c's handling of
 * worker events through its procs callback table (fills counted once, a slot's end of task,
 * a job's end reaching its callback once), without forking any worker.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs.h"
#include "policy.h"
#include "pool.h"
#include "scheduler.h"
#include "wire_msg.h"

#define TEST(name) static void name(void **state __attribute__((unused)))

static struct master m;
static struct lang langs[3];

static void lang_set(int i, const char *id, int pool_size)
{
	memset(&langs[i], 0, sizeof(langs[i]));
	snprintf(langs[i].id, sizeof(langs[i].id), "%s", id);
	snprintf(langs[i].version, sizeof(langs[i].version), "1");
	langs[i].pool_size = pool_size;
}

static int setup(void **state __attribute__((unused)))
{
	memset(&m, 0, sizeof(m));
	lang_set(0, "python", 2);
	lang_set(1, "c", 2);
	lang_set(2, "go", 1);
	m.cfg.langs = langs;
	m.cfg.nlangs = 3;
	m.cfg.workers = 2;
	m.cfg.queue_size = 16;
	m.cfg.queue_timeout_s = 60;
	snprintf(m.cfg.pool_transport, sizeof(m.cfg.pool_transport), "attach");
	assert_int_equal(sched_init(&m), 0);
	for (int i = 0; i < m.nslots; i++)
		sched_procs_cb.started(NULL, i, 0);
	return 0;
}

static int teardown(void **state __attribute__((unused)))
{
	jobs_drop_queue(&m.queue, 503, "end of test");
	sched_free();
	return 0;
}

/* ---- a job's answer, as its client would get it ---- */

static int answers, answer_http;

static void on_done(struct job *j, void *arg)
{
	(void)arg;
	answers++;
	answer_http = j->http;
	jobs_free(j);
}

static struct job *submit(const char *lang)
{
	int http = 0;
	char *body = NULL;
	struct job *j = sched_submit(cJSON_CreateObject(), lang, on_done, NULL, &http, &body);
	assert_non_null(j);
	return j;
}

static void ready(const char *lang, const char *id, int paused)
{
	pool_push(&m, pool_find(&m, lang), id, paused, 0);
}

/* ---- the pure policy ---- */

TEST(next_job_is_the_oldest_whose_language_has_a_container)
{
	struct job *a = submit("python"), *b = submit("c"), *c = submit("c");
	struct job *prev;
	assert_null(policy_next_job(&m, &prev)); /* no container anywhere */
	ready("c", "c1", 0);
	assert_ptr_equal(policy_next_job(&m, &prev), b); /* python has none: c's first job goes */
	assert_ptr_equal(prev, a);
	ready("python", "p1", 0);
	assert_ptr_equal(policy_next_job(&m, &prev), a); /* FIFO once python has one */
	assert_null(prev);
	pool_find(&m, "python")->ready[0].pausing = 1;    /* being paused: not available */
	assert_ptr_equal(policy_next_job(&m, &prev), b);
	(void)c;
	assert_int_equal(policy_waiting(&m.queue, "c"), 2);
	assert_int_equal(policy_waiting(&m.queue, "go"), 0);
}

TEST(urgent_pool_serves_the_oldest_starved_job)
{
	submit("go");
	submit("c");
	long now = 1000;
	assert_string_equal(policy_urgent_pool(&m, now)->lang, "go");
	pool_find(&m, "go")->filling = 1; /* one fill for one waiting job: go is served */
	assert_string_equal(policy_urgent_pool(&m, now)->lang, "c");
	pool_find(&m, "c")->retry_at = now + 1; /* backing off after failures */
	assert_null(policy_urgent_pool(&m, now));
	pool_find(&m, "c")->retry_at = 0;
	ready("c", "c1", 0); /* a ready one goes to the job: no urgent fill */
	assert_null(policy_urgent_pool(&m, now));
}

TEST(neediest_pool_by_shortfall_then_round_robin)
{
	int rr = 0;
	long now = 1000;
	/* python 2, c 2, go 1 short: a tie between python and c, taken in turns */
	struct pool *first = policy_neediest_pool(&m, now, &rr);
	struct pool *second = policy_neediest_pool(&m, now, &rr);
	assert_true(first->target == 2 && second->target == 2);
	assert_string_not_equal(first->lang, second->lang);
	pool_find(&m, "python")->filling = 2;
	assert_string_equal(policy_neediest_pool(&m, now, &rr)->lang,
			    "c"); /* 2 short, before go's 1 */
	ready("c", "c1", 0);
	ready("c", "c2", 0);
	assert_string_equal(policy_neediest_pool(&m, now, &rr)->lang, "go");
	pool_find(&m, "go")->retry_at = now + 500;
	assert_null(policy_neediest_pool(&m, now, &rr)); /* full, or backing off */
	assert_string_equal(policy_neediest_pool(&m, now + 500, &rr)->lang, "go");
}

TEST(backoff_doubles_up_to_32_s_and_pause_policy)
{
	assert_int_equal(policy_backoff_ms(1), 1000);
	assert_int_equal(policy_backoff_ms(2), 2000);
	assert_int_equal(policy_backoff_ms(6), 32000);
	assert_int_equal(policy_backoff_ms(60), 32000);
	struct config c;
	memset(&c, 0, sizeof(c));
	c.pool_pause = 1;
	assert_true(policy_fill_paused(&c, 0));
	assert_false(policy_fill_paused(&c, 1)); /* a job waits for it */
	c.pool_pause_idle_ms = 5000;
	assert_false(policy_fill_paused(&c, 0)); /* paused later, once idle */
}

/* ---- worker events through the callback table ---- */

/* A message as a worker sends it: MSG_RESULT and MSG_IDLE typed (wire_msg.c), the others JSON;
 * http is the result's status, or for MSG_IDLE the task's outcome (0: failed). */
static void deliver(int slot, uint16_t type, int http, uint32_t id, const char *json)
{
	struct buf b;
	struct wire_hdr h;
	buf_init(&b, 1 << 20);
	if (type == MSG_RESULT)
		assert_int_equal(wire_msg_result(&b, id, 0, http, json), 0);
	else if (type == MSG_IDLE)
		assert_int_equal(wire_msg_idle(&b, 0, http), 0);
	else
		assert_int_equal(wire_pack(&b, type, id, 0, json, json ? strlen(json) : 0), 0);
	assert_int_equal(wire_hdr_decode((const uint8_t *)b.data, &h, 1 << 20), 0);
	sched_procs_cb.message(NULL, slot, &h, b.data + WIRE_HDR_LEN);
	buf_free(&b);
}

static struct slot *filling_slot(int i, const char *lang)
{
	struct slot *s = &m.slots[i];
	s->state = SLOT_BUSY;
	s->task = TASK_FILL;
	s->fill_open = 1;
	snprintf(s->lang, sizeof(s->lang), "%s", lang);
	pool_find(&m, lang)->filling++;
	return s;
}

TEST(a_fill_is_uncounted_once_ready_then_idle)
{
	struct slot *s = filling_slot(0, "python");
	struct pool *p = pool_find(&m, "python");
	deliver(0, MSG_READY, 0, 0, "{\"lang\":\"python\",\"container\":\"abc\",\"paused\":true}");
	assert_int_equal(p->filling, 0);
	assert_int_equal(p->nready, 1);
	assert_true(p->ready[0].paused);
	deliver(0, MSG_IDLE, 1, 0, NULL);
	assert_int_equal(p->filling, 0); /* not twice */
	assert_int_equal(s->state, SLOT_IDLE);
	assert_int_equal(s->task, TASK_NONE);
}

TEST(a_failed_fill_backs_off_and_a_dead_filler_is_uncounted)
{
	filling_slot(0, "c");
	struct pool *p = pool_find(&m, "c");
	deliver(0, MSG_FAILED, 0, 0, "{\"lang\":\"c\",\"error\":\"no image\"}");
	assert_int_equal(p->filling, 0);
	assert_int_equal(p->failures, 1);
	assert_true(p->retry_at > 0);
	sched_procs_cb.died(NULL, 0);
	assert_int_equal(p->filling, 0);
	assert_int_equal(m.slots[0].state, SLOT_DEAD);
	filling_slot(1, "c");
	sched_procs_cb.died(NULL, 1); /* died before READY: counted down at its death */
	assert_int_equal(p->filling, 0);
	sched_procs_cb.started(NULL, 1, 1);
	assert_int_equal(m.slots[1].state, SLOT_IDLE);
}

/* Puts a queued job on slot i as sched.c's dispatch does. */
static void running_on(int i, struct job *j)
{
	struct slot *s = &m.slots[i];
	assert_int_equal(jobs_dequeue(&m.queue, j), 0);
	s->state = SLOT_BUSY;
	s->task = TASK_JOB;
	s->job = j;
	snprintf(s->container, sizeof(s->container), "ct-%u", j->id);
	m.running++;
}

TEST(a_result_answers_the_job_once_and_frees_the_slot)
{
	answers = 0;
	struct job *j = submit("python");
	running_on(1, j);
	deliver(1, MSG_RESULT, 0, j->id + 7, "{}"); /* not the job it holds: ignored */
	assert_int_equal(answers, 0);
	deliver(1, MSG_RESULT, 200, j->id, "{\"status\":\"ok\"}");
	assert_int_equal(answers, 1);
	assert_int_equal(answer_http, 200);
	assert_int_equal(m.running, 0);
	deliver(1, MSG_IDLE, 1, 0, NULL);
	assert_int_equal(answers, 1);
	assert_int_equal(m.slots[1].state, SLOT_IDLE);
	assert_int_equal(m.nchores, 0); /* the worker removes the used container itself */
}

TEST(a_dead_worker_fails_its_job_and_discards_its_container)
{
	answers = 0;
	struct job *j = submit("c");
	running_on(0, j);
	sched_procs_cb.died(NULL, 0);
	assert_int_equal(answers, 1);
	assert_int_equal(answer_http, 500);
	assert_int_equal(m.running, 0);
	assert_int_equal(m.nchores, 1);
	assert_string_equal(m.chores[0], "ct-1");
}

TEST(retry_requeues_at_the_head_a_few_times)
{
	answers = 0;
	struct job *other = submit("go");
	struct job *j = submit("c");
	for (int k = 0; k < 3; k++) {
		running_on(0, j);
		deliver(0, MSG_RETRY, 0, j->id, NULL);
		assert_ptr_equal(m.queue.head, j); /* before the older job */
		assert_int_equal(m.running, 0);
	}
	running_on(0, j);
	deliver(0, MSG_RETRY, 0, j->id, NULL); /* a fourth time: answered 500 */
	assert_int_equal(answers, 1);
	assert_int_equal(answer_http, 500);
	assert_ptr_equal(m.queue.head, other);
}

TEST(cancel_drops_a_queued_job_and_stopping_refuses)
{
	answers = 0;
	struct job *a = submit("python");
	submit("c");
	sched_cancel(a);
	assert_int_equal(answers, 1);
	assert_int_equal(answer_http, 499);
	assert_int_equal(m.queue.len, 1);
	m.stopping = STOP_DRAIN;
	int http = 0;
	char *body = NULL;
	cJSON *spec = cJSON_CreateObject();
	assert_null(sched_submit(spec, "c", on_done, NULL, &http, &body));
	assert_int_equal(http, 503);
	assert_non_null(strstr(body, "shutting down"));
	free(body);
	cJSON_Delete(spec);
}

TEST(a_cleanup_is_done_on_idle_and_pending_again_on_death)
{
	struct slot *s = &m.slots[0];
	m.cleanup_pending = 0;
	s->state = SLOT_BUSY;
	s->task = TASK_CLEANUP;
	sched_procs_cb.died(NULL, 0);
	assert_int_equal(m.cleanup_pending, 1);
	assert_int_equal(m.cleanup_done, 0);
	sched_procs_cb.started(NULL, 0, 1);
	s->state = SLOT_BUSY;
	s->task = TASK_CLEANUP;
	deliver(0, MSG_IDLE, 1, 0, NULL);
	assert_int_equal(m.cleanup_done, 1);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(next_job_is_the_oldest_whose_language_has_a_container),
		T(urgent_pool_serves_the_oldest_starved_job),
		T(neediest_pool_by_shortfall_then_round_robin),
		T(backoff_doubles_up_to_32_s_and_pause_policy),
		T(a_fill_is_uncounted_once_ready_then_idle),
		T(a_failed_fill_backs_off_and_a_dead_filler_is_uncounted),
		T(a_result_answers_the_job_once_and_frees_the_slot),
		T(a_dead_worker_fails_its_job_and_discards_its_container),
		T(retry_requeues_at_the_head_a_few_times),
		T(cancel_drops_a_queued_job_and_stopping_refuses),
		T(a_cleanup_is_done_on_idle_and_pending_again_on_death),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
