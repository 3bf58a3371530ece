/*
 * sched.c - the master's job queue and scheduling: admits jobs into a bounded FIFO, hands each
 * to an idle worker together with a ready container of its language (pool.c), asks idle workers
 * to refill pools (with backoff while the engine fails), to pause containers left idle and to
 * remove used or orphaned ones, and turns worker messages into HTTP answers. Never calls Docker.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "jsonutil.h"
#include "log.h"
#include "master.h"
#include "metrics.h"
#include "version.h"
#include "wire.h"
#include "wire_msg.h"

#define PING_INTERVAL_MS 5000

struct master M = { .sigpipe = { -1, -1 } };


static int waiting_for(const char *lang);

/* Pools follow the config: new languages get one, dropped ones are drained. */
void sched_reconfigure(void)
{
	for (int i = 0; i < M.npools; i++)
		M.pools[i].removed = 1;
	for (int i = 0; i < M.cfg.nlangs; i++) {
		const struct lang *g = &M.cfg.langs[i];
		struct pool *p = pool_find(g->id);
		if (!p && !(p = pool_add(g->id)))
			continue;
		p->removed = 0;
		p->target = g->pool_size;
		if (strcmp(p->transport, M.cfg.pool_transport)) {
			pool_drain(p); /* ready containers were made for the other transport */
			snprintf(p->transport, sizeof(p->transport), "%s", M.cfg.pool_transport);
		}
		if (!p->version[0])
			snprintf(p->version, sizeof(p->version), "%s", g->version);
	}
	for (int i = 0; i < M.npools; i++)
		if (M.pools[i].removed)
			pool_drain(&M.pools[i]);
}

int sched_init(void)
{
	M.next_job_id = 1;
	M.cleanup_pending = 1;
	M.engine_ok = 1;
	sched_reconfigure();
	return 0;
}

int sched_pools_full(void)
{
	for (int i = 0; i < M.npools; i++)
		if (!M.pools[i].removed && M.pools[i].nready < M.pools[i].target)
			return 0;
	return M.cleanup_done;
}

static int dispatch_job(struct slot *s, struct job *prev, struct job *j, struct pool *p)
{
	char id[72];
	int paused;
	if (pool_take(p, id, &paused) < 0)
		return -1;
	jobs_unlink(prev, j);
	j->deadline = clock_ms() + jobs_deadline_ms(j->spec, &M.cfg);
	/* the spec stays with the job until it ends: a job whose container was gone runs again */
	static const char *const added[] = { "container", "id", "queue_ms", "pause", "transport" };
	for (size_t k = 0; k < sizeof(added) / sizeof(added[0]); k++)
		cJSON_DeleteItemFromObjectCaseSensitive(j->spec, added[k]);
	cJSON_AddStringToObject(j->spec, "container", id);
	cJSON_AddNumberToObject(j->spec, "id", j->id);
	cJSON_AddNumberToObject(j->spec, "queue_ms", (double)(clock_ms() - j->t_admit));
	cJSON_AddBoolToObject(j->spec, "pause", paused);
	cJSON_AddStringToObject(j->spec, "transport", p->transport);
	char *txt = cJSON_PrintUnformatted(j->spec);
	if (!txt || procs_send(s, MSG_JOB, j->id, txt) < 0) {
		free(txt);
		pool_discard(id);
		jobs_finish(j, 500, json_error("could not hand the job to a worker", NULL));
		return -1;
	}
	free(txt);
	s->state = SLOT_BUSY;
	s->task = TASK_JOB;
	s->job = j;
	s->since = j->t_start = clock_ms();
	snprintf(s->container, sizeof(s->container), "%s", id);
	M.running++;
	return 0;
}

static int try_job(struct slot *s)
{
	struct job *prev = NULL;
	for (struct job *j = M.queue_head; j; prev = j, j = j->next) {
		struct pool *p = pool_find(j->lang);
		if (p && pool_available(p) > 0) {
			dispatch_job(s, prev, j, p);
			return 1;
		}
	}
	return 0;
}

static int send_simple(struct slot *s, enum task t, uint16_t type, const char *json)
{
	if (procs_send(s, type, 0, json) < 0)
		return 0;
	s->state = SLOT_BUSY;
	s->task = t;
	s->since = clock_ms();
	return 1;
}

/* A ready container left unused for pool.pause_idle_ms is paused (under load, containers are
 * taken sooner than that and never pay for the pause and the unpause). */
static int try_pause(struct slot *s)
{
	if (!M.cfg.pool_pause || M.stopping || !M.engine_ok)
		return 0;
	struct ready_ct *r = pool_pause_due(clock_ms(), M.cfg.pool_pause_idle_ms);
	if (!r)
		return 0;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "container", r->id);
	char *txt = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	int ok = txt && send_simple(s, TASK_PAUSE, MSG_PAUSE, txt);
	free(txt);
	if (ok)
		snprintf(s->container, sizeof(s->container), "%s", r->id);
	else
		r->pausing = 0;
	return ok;
}

static int try_chore(struct slot *s)
{
	if (M.cleanup_pending) {
		/* at start: the containers of owners that are gone; when stopping: ours too */
		char txt[96];
		snprintf(txt, sizeof(txt), "{\"owner\":\"%s\",\"mine_too\":%s}", M.owner, M.stopping ? "true" : "false");
		M.cleanup_pending = 0;
		return send_simple(s, TASK_CLEANUP, MSG_CLEANUP, txt);
	}
	if (M.nchores > 0 && M.cleanup_done) {
		char *id = M.chores[--M.nchores];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "container", id);
		char *txt = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
		int ok = txt && send_simple(s, TASK_REMOVE, MSG_REMOVE, txt);
		if (ok)
			snprintf(s->container, sizeof(s->container), "%s", id);
		free(txt);
		free(id);
		return ok;
	}
	if (clock_ms() >= M.next_ping) {
		M.next_ping = clock_ms() + PING_INTERVAL_MS;
		return send_simple(s, TASK_PING, MSG_PING, NULL);
	}
	return try_pause(s);
}

static int waiting_for(const char *lang)
{
	int n = 0;
	for (struct job *j = M.queue_head; j; j = j->next)
		n += !strcmp(j->lang, lang);
	return n;
}

/* pause: whether the container waits paused (not when a job is already waiting for it). The
 * seccomp profile is not sent: each worker has it in the config it was forked with (read once at
 * start, kept across SIGHUP). */
static char *fill_json(const struct lang *g, int pause)
{
	const struct config *c = &M.cfg;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "lang", g->id);
	cJSON_AddStringToObject(o, "image", g->image);
	cJSON_AddStringToObject(o, "owner", M.owner);
	cJSON_AddNumberToObject(o, "memory_mb", config_container_mb(c, g));
	cJSON_AddNumberToObject(o, "cpus", c->cpus);
	cJSON_AddNumberToObject(o, "pids", g->pids);
	cJSON_AddNumberToObject(o, "workdir_mb", c->workdir_mb);
	cJSON_AddNumberToObject(o, "tmp_mb", c->tmp_mb);
	cJSON_AddNumberToObject(o, "shm_mb", c->shm_mb);
	cJSON_AddNumberToObject(o, "nofile", c->nofile);
	cJSON_AddNumberToObject(o, "fsize_bytes", (double)c->fsize_kb * 1024);
	cJSON_AddStringToObject(o, "runtime", c->runtime);
	cJSON_AddBoolToObject(o, "pause", pause);
	cJSON_AddStringToObject(o, "transport", c->pool_transport);
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

/* The pool of the oldest queued job that has no container coming: it is served first, so a
 * language never starves behind others whose containers keep arriving. */
static struct pool *urgent_pool(void)
{
	long t = clock_ms();
	for (struct job *j = M.queue_head; j; j = j->next) {
		struct pool *p = pool_find(j->lang);
		if (!p || p->removed || p->retry_at > t)
			continue;
		/* a ready one will be dispatched by try_job; only a language with none needs a fill now */
		if (p->nready == 0 && p->filling < waiting_for(p->lang))
			return p;
	}
	return NULL;
}

/* Otherwise the biggest shortfall below target; ties go round-robin, not to config order. */
static struct pool *neediest_pool(void)
{
	static int rr;
	struct pool *best = NULL;
	int best_need = 0;
	long t = clock_ms();
	for (int k = 0; k < M.npools; k++) {
		struct pool *p = &M.pools[(rr + k) % M.npools];
		int need = p->target - (p->nready + p->filling);
		if (p->removed || p->retry_at > t || need <= 0)
			continue;
		if (need > best_need) {
			best = p;
			best_need = need;
		}
	}
	rr = M.npools ? (rr + 1) % M.npools : 0;
	return best;
}

static int try_fill(struct slot *s, int urgent)
{
	if (!M.cleanup_done || M.stopping)
		return 0;
	struct pool *p = urgent ? urgent_pool() : neediest_pool();
	if (!p)
		return 0;
	const struct lang *g = config_lang(&M.cfg, p->lang);
	if (!g)
		return 0;
	/* paused in the fill only without an idle delay, and never for a job that is already waiting */
	char *txt = fill_json(g, M.cfg.pool_pause && !urgent && M.cfg.pool_pause_idle_ms == 0);
	int ok = txt && send_simple(s, TASK_FILL, MSG_FILL, txt);
	free(txt);
	if (ok) {
		p->filling++;
		snprintf(s->lang, sizeof(s->lang), "%s", p->lang);
	}
	return ok;
}

void sched_kick(void)
{
	for (int i = 0; i < M.nslots; i++) {
		struct slot *s = &M.slots[i];
		if (s->state != SLOT_IDLE)
			continue;
		if (try_fill(s, 1) || try_job(s) || try_chore(s) || try_fill(s, 0))
			continue;
	}
}

static void slot_idle(struct slot *s)
{
	s->state = SLOT_IDLE;
	s->task = TASK_NONE;
	s->job = NULL;
	s->container[0] = s->lang[0] = '\0';
}

static void engine_state(int ok, const char *why)
{
	if (ok && !M.engine_ok) {
		log_info("the Docker engine answers again; refreshing the pools");
		/* containers that were ready before the outage may be gone: replace them all */
		for (int i = 0; i < M.npools; i++) {
			pool_drain(&M.pools[i]);
			M.pools[i].failures = 0;
			M.pools[i].retry_at = 0;
		}
	} else if (!ok && M.engine_ok) {
		log_errorx("the Docker engine is unreachable: %s", why ? why : "");
	}
	M.engine_ok = ok;
	if (!ok && why)
		snprintf(M.engine_error, sizeof(M.engine_error), "%s", why);
}

static void on_result(struct slot *s, uint32_t id, const char *payload, size_t len)
{
	struct job *j = s->job;
	if (!j || j->id != id) {
		log_warnx("result for job %u that worker pid %d does not hold", id, (int)s->pid);
		return;
	}
	int http;
	char *body = wire_msg_result_decode(payload, len, id, &http);
	s->job = NULL;
	M.running--;
	s->container[0] = '\0'; /* the worker removes it itself */
	long t = clock_ms();
	metrics_observe(j->lang, PH_QUEUE, (double)(j->t_start - j->t_admit) / 1000.0);
	metrics_observe(j->lang, PH_TOTAL, (double)(t - j->t_admit) / 1000.0);
	jobs_finish(j, http, body ? body : json_error("out of memory", NULL));
}

static void on_ready(struct slot *s, cJSON *o)
{
	const char *lang = cJSON_GetStringValue(cJSON_GetObjectItem(o, "lang"));
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(o, "container"));
	const char *ver = cJSON_GetStringValue(cJSON_GetObjectItem(o, "version"));
	struct pool *p = lang ? pool_find(lang) : NULL;
	if (s->task == TASK_FILL && p && p->filling > 0)
		p->filling--;
	if (!p || !id) {
		if (id)
			pool_discard(id);
		return;
	}
	if (ver && *ver)
		snprintf(p->version, sizeof(p->version), "%s", ver);
	p->failures = 0;
	p->retry_at = 0;
	engine_state(1, NULL);
	pool_push(p, id, cJSON_IsTrue(cJSON_GetObjectItem(o, "paused")), waiting_for(p->lang));
}

static void on_failed(struct slot *s, cJSON *o)
{
	const char *lang = cJSON_GetStringValue(cJSON_GetObjectItem(o, "lang"));
	const char *err = cJSON_GetStringValue(cJSON_GetObjectItem(o, "error"));
	cJSON *eng = cJSON_GetObjectItem(o, "engine_down");
	struct pool *p = lang ? pool_find(lang) : NULL;
	if (p && s->task == TASK_FILL && p->filling > 0)
		p->filling--;
	if (cJSON_IsTrue(eng))
		engine_state(0, err);
	if (p && !M.stopping) {
		p->failures++;
		long back = 500L << (p->failures < 6 ? p->failures : 6);
		p->retry_at = clock_ms() + back;
		log_warnx("could not make a %s container (%d in a row; next try in %ld ms): %s", lang,
			 p->failures, back, err ? err : "?");
	}
}

/* The job's container was gone before the job started (another service's cleanup, an outside
 * removal): the job goes back to the head of the queue, a few times at most. */
static void on_retry(struct slot *s, uint32_t id)
{
	struct job *j = s->job;
	if (!j || j->id != id)
		return;
	s->job = NULL;
	s->container[0] = '\0';
	M.running--;
	if (j->cancelled) { /* its client is gone: nothing to run it again for */
		jobs_finish(j, 499, json_error("cancelled: the client closed the connection", NULL));
		return;
	}
	if (++j->retries > 3) {
		metrics_execution(j->lang, "internal_error");
		jobs_finish(j, 500, json_error("internal_error: no usable container for the job after 3 tries", NULL));
		return;
	}
	log_info("job %u: its container was gone; queued again", j->id);
	jobs_requeue(j);
}

void sched_message(struct slot *s, uint16_t type, uint32_t id, const char *payload, size_t len)
{
	if (type == MSG_RESULT) {
		on_result(s, id, payload, len);
		return;
	}
	if (type == MSG_RETRY) {
		on_retry(s, id);
		return;
	}
	if (type == MSG_IDLE) {
		if (s->task == TASK_CLEANUP)
			M.cleanup_done = 1;
		if (s->task == TASK_PAUSE)
			pool_pause_done(s->container, wire_msg_idle_decode(payload, len));
		if (s->task == TASK_FILL) {
			struct pool *p = pool_find(s->lang);
			if (p && p->filling > 0)
				p->filling--;
		}
		slot_idle(s);
		return;
	}
	cJSON *o = cJSON_ParseWithLength(payload, len);
	if (!o) {
		log_warnx("unparseable message %u from worker pid %d", type, (int)s->pid);
		return;
	}
	if (type == MSG_READY) {
		on_ready(s, o);
		s->lang[0] = '\0'; /* the fill is accounted for */
	} else if (type == MSG_FAILED) {
		on_failed(s, o);
		s->lang[0] = '\0';
	} else if (type == MSG_STATS) {
		metrics_stats(o);
	} else if (type == MSG_PONG) {
		cJSON *ok = cJSON_GetObjectItem(o, "engine");
		engine_state(cJSON_IsTrue(ok), cJSON_GetStringValue(cJSON_GetObjectItem(o, "error")));
	} else {
		log_warnx("unexpected message %u from worker pid %d", type, (int)s->pid);
	}
	cJSON_Delete(o);
}

void sched_slot_died(struct slot *s)
{
	if (s->task == TASK_JOB && s->job) {
		M.running--;
		metrics_execution(s->job->lang, "internal_error");
		jobs_finish(s->job, 500,
				 json_error("internal_error: the worker running this job died; the job was not completed",
					    NULL));
	}
	if (s->task == TASK_FILL) {
		struct pool *p = pool_find(s->lang);
		if (p && p->filling > 0 && s->lang[0])
			p->filling--;
	}
	if (s->task == TASK_CLEANUP)
		M.cleanup_pending = 1;
	if (s->task == TASK_PAUSE) {
		pool_pause_done(s->container, 0); /* its state is unknown: replace it */
		s->container[0] = '\0';
	}
	if (s->container[0])
		pool_discard(s->container);
	slot_idle(s);
}

void sched_timers(void)
{
	jobs_expire();
	if (!M.ready_logged && sched_pools_full()) {
		M.ready_logged = 1;
		log_info("ready: every pool is full");
	}
}

cJSON *sched_health(void)
{
	cJSON *o = cJSON_CreateObject();
	int busy = 0, alive = 0;
	for (int i = 0; i < M.nslots; i++) {
		alive += M.slots[i].state != SLOT_DEAD;
		busy += M.slots[i].state == SLOT_BUSY;
	}
	const char *st = !M.engine_ok ? "unhealthy" : M.stopping ? "stopping" : M.ready_logged ? "healthy" : "starting";
	cJSON_AddStringToObject(o, "status", st);
	cJSON_AddStringToObject(o, "version", EXECUTIONER_VERSION);
	cJSON *eng = cJSON_AddObjectToObject(o, "engine");
	cJSON_AddBoolToObject(eng, "reachable", M.engine_ok);
	if (!M.engine_ok)
		cJSON_AddStringToObject(eng, "error", M.engine_error);
	cJSON *w = cJSON_AddObjectToObject(o, "workers");
	cJSON_AddNumberToObject(w, "total", M.nslots);
	cJSON_AddNumberToObject(w, "alive", alive);
	cJSON_AddNumberToObject(w, "busy", busy);
	cJSON_AddNumberToObject(o, "queued", M.queued);
	cJSON_AddNumberToObject(o, "running", M.running);
	cJSON *pools = cJSON_AddObjectToObject(o, "pools");
	for (int i = 0; i < M.npools; i++) {
		if (M.pools[i].removed)
			continue;
		cJSON *p = cJSON_AddObjectToObject(pools, M.pools[i].lang);
		int paused = 0;
		for (int k = 0; k < M.pools[i].nready; k++)
			paused += M.pools[i].ready[k].paused;
		cJSON_AddNumberToObject(p, "ready", M.pools[i].nready);
		cJSON_AddNumberToObject(p, "paused", paused);
		cJSON_AddNumberToObject(p, "target", M.pools[i].target);
	}
	return o;
}

void sched_free(void)
{
	pool_free_all();
}
