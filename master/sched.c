/*
 * sched.c - the master's scheduling (see scheduler.h): hands each queued job to an idle worker with
 * a ready container of its language (policy.c decides, pool.c keeps the ids), asks idle workers
 * to refill pools (with backoff while the engine fails), to pause containers left idle and to
 * remove used or orphaned ones, and turns worker messages into job ends. Never calls Docker.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "jobs.h"
#include "jsonutil.h"
#include "log.h"
#include "metrics.h"
#include "policy.h"
#include "pool.h"
#include "sched_spec.h"
#include "scheduler.h"
#include "wire.h"
#include "wire_msg.h"

#define PING_INTERVAL_MS 5000
#define MAX_RETRIES 3 /* a job whose container was gone runs again at most this often */

static struct master *m;
static int fill_rr; /* round-robin cursor of policy_neediest_pool */

/* Pools follow the config: new languages get one, dropped ones are drained. */
void sched_reconfigure(void)
{
	for (int i = 0; i < m->npools; i++)
		m->pools[i].removed = 1;
	for (int i = 0; i < m->cfg.nlangs; i++) {
		const struct lang *g = &m->cfg.langs[i];
		struct pool *p = pool_find(m, g->id);
		if (!p && !(p = pool_add(m, g->id))) {
			log_errorx("out of memory: no pool for %s", g->id);
			continue;
		}
		p->removed = 0;
		p->target = g->pool_size;
		if (strcmp(p->transport, m->cfg.pool_transport)) {
			pool_drain(m, p); /* ready containers were made for the other transport */
			snprintf(p->transport, sizeof(p->transport), "%s", m->cfg.pool_transport);
		}
		if (!p->version[0])
			snprintf(p->version, sizeof(p->version), "%s", g->version);
	}
	for (int i = 0; i < m->npools; i++)
		if (m->pools[i].removed)
			pool_drain(m, &m->pools[i]);
}

int sched_init(struct master *state)
{
	m = state;
	m->queue.next_id = 1;
	m->cleanup_pending = 1;
	m->engine_ok = 1;
	m->slots = calloc((size_t)m->cfg.workers, sizeof(*m->slots));
	if (!m->slots) {
		log_error("calloc");
		return -1;
	}
	m->nslots = m->cfg.workers;
	for (int i = 0; i < m->nslots; i++)
		m->slots[i] = (struct slot){ .index = i, .state = SLOT_DEAD };
	sched_reconfigure();
	return 0;
}

int sched_pools_full(void)
{
	for (int i = 0; i < m->npools; i++)
		if (!m->pools[i].removed && m->pools[i].nready < m->pools[i].target)
			return 0;
	return m->cleanup_done;
}

int sched_busy(void)
{
	int n = 0;
	for (int i = 0; i < m->nslots; i++)
		n += m->slots[i].state == SLOT_BUSY;
	return n;
}

struct job *sched_submit(cJSON *spec, const char *lang, job_done_fn done, void *arg, int *http,
			 char **body)
{
	if (m->stopping != STOP_NONE) {
		*http = 503;
		*body = json_error("the service is shutting down", NULL);
		return NULL;
	}
	return jobs_submit(&m->queue, m->cfg.queue_size, spec, lang, done, arg, http, body);
}

/* ---- giving a slot a task ---- */

/* Sends the message that starts task t on slot s; 0, or -1 when it could not be sent. */
static int slot_begin(struct slot *s, enum task t, uint16_t type, uint32_t id, const char *json)
{
	if (procs_send(s->index, type, id, json) < 0)
		return -1;
	s->state = SLOT_BUSY;
	s->task = t;
	s->since = clock_ms();
	return 0;
}

/* A message {"container": id} for a task on one container. */
static int slot_begin_on(struct slot *s, enum task t, uint16_t type, const char *id)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "container", id);
	char *txt = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	int rc = txt ? slot_begin(s, t, type, 0, txt) : -1;
	free(txt);
	if (rc == 0)
		snprintf(s->container, sizeof(s->container), "%s", id);
	return rc;
}

static int dispatch_job(struct slot *s, struct job *prev, struct job *j, struct pool *p)
{
	char id[72];
	int paused, uses;
	if (pool_take_for(p, policy_reuse_key(m, j), id, &paused, &uses) < 0)
		return -1;
	jobs_unlink(&m->queue, prev, j);
	j->deadline = clock_ms() + jobs_deadline_ms(j->spec, &m->cfg);
	char *txt = sched_spec_job(&m->cfg, m->owner, j, id, paused, p->transport, uses);
	int rc = txt ? slot_begin(s, TASK_JOB, MSG_JOB, j->id, txt) : -1;
	free(txt);
	if (rc < 0) {
		log_errorx("job %u: could not hand it to worker %d", j->id, s->index);
		pool_discard(m, id);
		jobs_finish(j, 500, json_error("could not hand the job to a worker", NULL));
		return -1;
	}
	s->job = j;
	j->t_start = s->since;
	snprintf(s->container, sizeof(s->container), "%s", id);
	m->running++;
	if (j->on_start)
		j->on_start(j, j->done_arg);
	return 0;
}

static int try_job(struct slot *s)
{
	struct job *prev;
	struct job *j = policy_next_job(m, &prev);
	if (!j)
		return -1;
	return dispatch_job(s, prev, j, pool_find(m, j->lang));
}

/* A ready container left unused for pool.pause_idle_ms is paused (under load, containers are
 * taken sooner than that and never pay for the pause and the unpause). */
static int try_pause(struct slot *s)
{
	if (!m->cfg.pool_pause || m->stopping != STOP_NONE || !m->engine_ok)
		return -1;
	struct ready_ct *r = pool_pause_due(m, clock_ms(), m->cfg.pool_pause_idle_ms);
	if (!r)
		return -1;
	if (slot_begin_on(s, TASK_PAUSE, MSG_PAUSE, r->id) < 0) {
		r->pausing = 0;
		return -1;
	}
	return 0;
}

static int try_chore(struct slot *s)
{
	if (m->cleanup_pending) {
		/* at start: the containers of owners that are gone; when stopping: ours too */
		char txt[96];
		snprintf(txt, sizeof(txt), "{\"owner\":\"%s\",\"mine_too\":%s}", m->owner,
			 m->stopping != STOP_NONE ? "true" : "false");
		m->cleanup_pending = 0;
		return slot_begin(s, TASK_CLEANUP, MSG_CLEANUP, 0, txt);
	}
	if (m->nchores > 0 && m->cleanup_done) {
		char *id = m->chores[--m->nchores];
		int rc = slot_begin_on(s, TASK_REMOVE, MSG_REMOVE, id);
		free(id);
		return rc;
	}
	if (m->cfg.cleanup_interval_s > 0 && m->cleanup_done && m->engine_ok &&
	    clock_ms() >= m->next_cleanup) {
		/* an engine restarted too fast to be seen down may have lost containers still
		 * running; the first time only sets the clock (the start-up cleanup has just
		 * run) */
		m->cleanup_pending = m->next_cleanup != 0 && m->stopping == STOP_NONE;
		m->next_cleanup = clock_ms() + m->cfg.cleanup_interval_s * 1000L;
	}
	if (clock_ms() >= m->next_ping) {
		m->next_ping = clock_ms() + PING_INTERVAL_MS;
		return slot_begin(s, TASK_PING, MSG_PING, 0, NULL);
	}
	return try_pause(s);
}

static int try_fill(struct slot *s, int urgent)
{
	if (!m->cleanup_done || m->stopping != STOP_NONE)
		return -1;
	long now = clock_ms();
	struct pool *p =
		urgent ? policy_urgent_pool(m, now) : policy_neediest_pool(m, now, &fill_rr);
	const struct lang *g = p ? config_lang(&m->cfg, p->lang) : NULL;
	if (!g)
		return -1;
	char *txt =
		sched_spec_fill(&m->cfg, m->owner, g, policy_fill_paused(&m->cfg, urgent));
	int rc = txt ? slot_begin(s, TASK_FILL, MSG_FILL, 0, txt) : -1;
	free(txt);
	if (rc == 0) {
		p->filling++;
		s->fill_open = 1;
		snprintf(s->lang, sizeof(s->lang), "%s", p->lang);
	}
	return rc;
}

void sched_kick(void)
{
	for (int i = 0; i < m->nslots; i++) {
		struct slot *s = &m->slots[i];
		if (s->state != SLOT_IDLE)
			continue;
		if (try_fill(s, 1) == 0 || try_job(s) == 0 || try_chore(s) == 0)
			continue;
		try_fill(s, 0);
	}
}

/* ---- ending a job, a fill, a task ---- */

/* The job leaves its slot (answered, queued again, or ended by the master). */
static struct job *slot_release_job(struct slot *s)
{
	struct job *j = s->job;
	s->job = NULL;
	if (j)
		m->running--;
	return j;
}

static void job_fail(struct job *j, int http, const char *status, const char *msg)
{
	metrics_execution(j->lang, status);
	jobs_finish(j, http, json_error(msg, NULL));
}

/* The master ends a running job without its result; the worker is killed (and respawned), and
 * at its death the job's container is discarded. */
static void slot_end_job(struct slot *s, int http, const char *status, const char *msg)
{
	job_fail(slot_release_job(s), http, status, msg);
	procs_kill(s->index);
}

/* The slot's fill is over (READY, FAILED, IDLE or death): its pool stops counting it. The only
 * place a pool's filling goes down. */
static void fill_close(struct slot *s)
{
	if (!s->fill_open)
		return;
	s->fill_open = 0;
	struct pool *p = pool_find(m, s->lang);
	if (p && p->filling > 0)
		p->filling--;
}

/* The one place a slot's task ends: the worker said IDLE (ok: the task succeeded, for a PAUSE)
 * or it died. Whatever the task still holds is settled here. */
static void slot_end_task(struct slot *s, int died, int ok)
{
	if (s->job)
		job_fail(slot_release_job(s), 500, "internal_error",
			 died ? "internal_error: the worker running this job died; the job was not "
				"completed"
			      : "internal_error: the worker ended the job without a result");
	fill_close(s);
	if (s->task == TASK_CLEANUP) {
		if (died)
			m->cleanup_pending = 1; /* another worker does it again */
		else
			m->cleanup_done = 1;
	} else if (s->task == TASK_PAUSE) {
		pool_pause_done(m, s->container, ok && !died); /* state unknown: replaced */
		s->container[0] = '\0';
	} else if (s->task == TASK_JOB && !died) {
		s->container[0] = '\0'; /* back in its pool (MSG_READY) or removed by the worker */
	}
	if (died && s->container[0])
		pool_discard(m, s->container); /* a job's or a removal's container, in any state */
	s->state = died ? SLOT_DEAD : SLOT_IDLE;
	s->task = TASK_NONE;
	s->container[0] = s->lang[0] = '\0';
}

static void engine_state(int ok, const char *why)
{
	if (ok && !m->engine_ok) {
		log_info("the Docker engine answers again; refreshing the pools");
		/* containers that were ready before the outage may be gone: replace them all */
		for (int i = 0; i < m->npools; i++) {
			pool_drain(m, &m->pools[i]);
			m->pools[i].failures = 0;
			m->pools[i].retry_at = 0;
		}
		/* an engine that stopped uncleanly may have lost containers whose processes still
		 * run */
		if (m->stopping == STOP_NONE)
			m->cleanup_pending = 1;
	} else if (!ok && m->engine_ok) {
		log_errorx("the Docker engine is unreachable: %s", why ? why : "");
	}
	m->engine_ok = ok;
	if (!ok && why)
		snprintf(m->engine_error, sizeof(m->engine_error), "%s", why);
}

/* ---- worker messages ---- */

static void on_result(struct slot *s, uint32_t id, const char *payload, size_t len)
{
	if (!s->job || s->job->id != id) {
		log_warnx("result for job %u that worker pid %d does not hold", id,
			  (int)procs_pid(s->index));
		return;
	}
	int http;
	char *body = wire_msg_result_decode(payload, len, id, &http);
	struct job *j = slot_release_job(s);
	/* the worker removes it itself, or (max_uses > 1) resets it and sends it back (MSG_READY
	 * with "uses") before its IDLE: held until then, so the worker's death discards it */
	if (json_num(j->spec, "max_uses", 1) <= 1)
		s->container[0] = '\0';
	long t = clock_ms();
	metrics_observe(j->lang, PH_QUEUE, (double)(j->t_start - j->t_admit) / 1000.0);
	metrics_observe(j->lang, PH_TOTAL, (double)(t - j->t_admit) / 1000.0);
	jobs_finish(j, http, body ? body : json_error("out of memory", NULL));
}

/* The job's container was gone before the job started (another service's cleanup, an outside
 * removal): the job goes back to the head of the queue, a few times at most. */
static void on_retry(struct slot *s, uint32_t id)
{
	if (!s->job || s->job->id != id)
		return;
	struct job *j = slot_release_job(s);
	s->container[0] = '\0';
	if (j->cancelled) { /* its client is gone: nothing to run it again for */
		jobs_finish(j, 499,
			    json_error("cancelled: the client closed the connection", NULL));
		return;
	}
	if (++j->retries > MAX_RETRIES) {
		job_fail(j, 500, "internal_error",
			 "internal_error: no usable container for the job after 3 tries");
		return;
	}
	log_info("job %u: its container was gone; queued again", j->id);
	jobs_requeue(&m->queue, j);
}

static void on_ready(struct slot *s, cJSON *o)
{
	const char *lang = cJSON_GetStringValue(cJSON_GetObjectItem(o, "lang"));
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(o, "container"));
	const char *ver = cJSON_GetStringValue(cJSON_GetObjectItem(o, "version"));
	struct pool *p = lang ? pool_find(m, lang) : NULL;
	if (s->task == TASK_JOB && id) { /* a job's container, reset clean (max_uses > 1) */
		s->container[0] = '\0';
		pool_job_back(m, p, o, policy_waiting(&m->queue, lang ? lang : ""));
		return;
	}
	fill_close(s);
	if (!p || !id) {
		if (id)
			pool_discard(m, id);
		return;
	}
	if (ver && *ver)
		snprintf(p->version, sizeof(p->version), "%s", ver);
	p->failures = 0;
	p->retry_at = 0;
	engine_state(1, NULL);
	pool_push(m, p, id, cJSON_IsTrue(cJSON_GetObjectItem(o, "paused")),
		  policy_waiting(&m->queue, p->lang));
}

static void on_failed(struct slot *s, cJSON *o)
{
	const char *lang = cJSON_GetStringValue(cJSON_GetObjectItem(o, "lang"));
	const char *err = cJSON_GetStringValue(cJSON_GetObjectItem(o, "error"));
	struct pool *p = lang ? pool_find(m, lang) : NULL;
	fill_close(s);
	if (cJSON_IsTrue(cJSON_GetObjectItem(o, "engine_down")))
		engine_state(0, err);
	if (p && m->stopping == STOP_NONE) {
		p->failures++;
		long back = policy_backoff_ms(p->failures);
		p->retry_at = clock_ms() + back;
		log_warnx("could not make a %s container (%d in a row; next try in %ld ms): %s",
			  lang, p->failures, back, err ? err : "?");
	}
}

/* The messages with a JSON payload: READY, FAILED, STATS, PONG. */
/* A READY, FAILED or PONG without a required field (wire.h) is refused, never defaulted: a fill
 * it ends is closed (its container, if named, removed), a PONG is ignored. 0, or -1 refused. */
static int json_complete(struct slot *s, uint16_t type, const cJSON *o)
{
	static const char *const ready[] = { "lang", "container", "paused", NULL };
	static const char *const failed[] = { "lang", "error", NULL };
	static const char *const pong[] = { "engine", NULL };
	const char *const *keys = type == MSG_READY ? ready : type == MSG_FAILED ? failed
				  : type == MSG_PONG ? pong : NULL;
	char why[96];
	if (!keys || wire_msg_require(o, keys, why, sizeof(why)) == 0)
		return 0;
	log_warnx("refusing message %u from worker pid %d: %s", type, (int)procs_pid(s->index),
		  why);
	if (type != MSG_PONG) {
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(o, "container"));
		fill_close(s);
		if (id)
			pool_discard(m, id);
	}
	return -1;
}

static void on_json(struct slot *s, uint16_t type, const char *payload, size_t len)
{
	cJSON *o = cJSON_ParseWithLength(payload, len);
	if (!o) {
		log_warnx("unparseable message %u from worker pid %d", type,
			  (int)procs_pid(s->index));
		return;
	}
	if (json_complete(s, type, o) < 0) {
		cJSON_Delete(o);
		return;
	}
	if (type == MSG_READY) {
		on_ready(s, o);
	} else if (type == MSG_FAILED) {
		on_failed(s, o);
	} else if (type == MSG_STATS) {
		metrics_stats(o);
	} else if (type == MSG_PONG) {
		cJSON *ok = cJSON_GetObjectItem(o, "engine");
		engine_state(cJSON_IsTrue(ok),
			     cJSON_GetStringValue(cJSON_GetObjectItem(o, "error")));
	} else {
		log_warnx("unexpected message %u from worker pid %d", type,
			  (int)procs_pid(s->index));
	}
	cJSON_Delete(o);
}

/* ---- the callback table for procs.c ---- */

/* A streamed job's output (MSG_CHUNK: one T_STDOUT or T_STDERR) to its chunk callback. */
static void on_chunk(struct slot *s, uint32_t id, const char *payload, size_t len)
{
	struct job *j = s->task == TASK_JOB ? s->job : NULL;
	const uint8_t *p = (const uint8_t *)payload, *end = p + len;
	struct wire_field f;
	if (!j || j->id != id || j->done || j->cancelled || !j->on_chunk)
		return;
	if (wire_next(&p, end, &f) == 1 && (f.tag == T_STDOUT || f.tag == T_STDERR))
		j->on_chunk(j, f.tag, f.data, f.len, j->done_arg);
}

static void on_message(void *arg, int i, const struct wire_hdr *h, const char *payload)
{
	(void)arg;
	struct slot *s = &m->slots[i];
	if (h->type == MSG_CHUNK)
		on_chunk(s, h->id, payload, h->len);
	else if (h->type == MSG_RESULT)
		on_result(s, h->id, payload, h->len);
	else if (h->type == MSG_RETRY)
		on_retry(s, h->id);
	else if (h->type == MSG_IDLE)
		slot_end_task(s, 0, wire_msg_idle_decode(payload, h->len));
	else
		on_json(s, h->type, payload, h->len);
}

static void on_started(void *arg, int i, int respawned)
{
	(void)arg;
	struct slot *s = &m->slots[i];
	*s = (struct slot){ .index = i, .state = SLOT_IDLE };
	if (respawned)
		metrics_worker_restart();
}

static void on_died(void *arg, int i)
{
	(void)arg;
	slot_end_task(&m->slots[i], 1, 0);
}

const struct procs_cb sched_procs_cb = { on_started, on_message, on_died, NULL };

/* ---- timers, cancellation, stop ---- */

void sched_cancel(struct job *j)
{
	if (j->done || j->cancelled)
		return;
	j->cancelled = 1;
	if (jobs_dequeue(&m->queue, j) == 0) {
		job_fail(j, 499, "cancelled", "cancelled: the client closed the connection");
		return;
	}
	for (int i = 0; i < m->nslots; i++) {
		struct slot *s = &m->slots[i];
		if (s->task != TASK_JOB || s->job != j)
			continue;
		if (procs_send(s->index, MSG_CANCEL, j->id, NULL) < 0)
			slot_end_job(s, 499, "cancelled",
				     "cancelled: the client closed the connection");
		break;
	}
	log_info("job %u (%s): the client went away; cancelled", j->id, j->lang);
}

/* Running jobs past their deadline: the worker never answered in time; it is killed. */
static void expire_running(long now)
{
	for (int i = 0; i < m->nslots; i++) {
		struct slot *s = &m->slots[i];
		if (s->task != TASK_JOB || !s->job || now < s->job->deadline)
			continue;
		log_errorx("job %u (%s) did not end within its limits plus a margin; killing "
			   "worker pid %d", s->job->id, s->job->lang, (int)procs_pid(s->index));
		slot_end_job(s, 500, "internal_error", "internal_error: the job did not end "
			     "within its limits; its worker was restarted");
	}
}

void sched_timers(void)
{
	long now = clock_ms();
	jobs_expire(&m->queue, now, m->cfg.queue_timeout_s, m->engine_ok);
	expire_running(now);
	for (int i = 0; i < m->npools; i++)
		pool_trim_reused(m, &m->pools[i], policy_waiting(&m->queue, m->pools[i].lang));
	if (!m->ready_logged && sched_pools_full()) {
		m->ready_logged = 1;
		log_info("ready: every pool is full");
	}
}

void sched_abort_running(const char *msg)
{
	for (int i = 0; i < m->nslots; i++)
		if (m->slots[i].task == TASK_JOB && m->slots[i].job)
			slot_end_job(&m->slots[i], 503, "internal_error", msg);
}

void sched_free(void)
{
	pool_free_all(m);
	free(m->slots);
	m->slots = NULL;
	m->nslots = 0;
}
