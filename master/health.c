/*
 * health.c - GET /health (see health.h): a JSON picture of the master's state, as a load
 * balancer or an operator reads it. Reads the state only.
 */
#include "health.h"
#include "pool.h"
#include "version.h"

static const char *status_of(const struct master *m)
{
	if (!m->engine_ok)
		return "unhealthy";
	if (m->stopping != STOP_NONE)
		return "stopping";
	return m->ready_logged ? "healthy" : "starting";
}

static void add_pools(cJSON *o, const struct master *m)
{
	cJSON *pools = cJSON_AddObjectToObject(o, "pools");
	for (int i = 0; i < m->npools; i++) {
		const struct pool *p = &m->pools[i];
		if (p->removed)
			continue;
		cJSON *e = cJSON_AddObjectToObject(pools, p->lang);
		int paused = 0;
		for (int k = 0; k < p->nready; k++)
			paused += p->ready[k].paused;
		cJSON_AddNumberToObject(e, "ready", p->nready);
		/* pool.max_uses > 1: ready ones that never ran a job, and ones reset after jobs */
		cJSON_AddNumberToObject(e, "fresh", p->nready - pool_reused_count(p));
		cJSON_AddNumberToObject(e, "reused", pool_reused_count(p));
		cJSON_AddNumberToObject(e, "paused", paused);
		cJSON_AddNumberToObject(e, "target", p->target);
	}
}

cJSON *health_render(const struct master *m)
{
	cJSON *o = cJSON_CreateObject();
	int busy = 0, alive = 0;
	for (int i = 0; i < m->nslots; i++) {
		alive += m->slots[i].state != SLOT_DEAD;
		busy += m->slots[i].state == SLOT_BUSY;
	}
	cJSON_AddStringToObject(o, "status", status_of(m));
	cJSON_AddStringToObject(o, "version", EXECUTIONER_VERSION);
	cJSON *eng = cJSON_AddObjectToObject(o, "engine");
	cJSON_AddBoolToObject(eng, "reachable", m->engine_ok);
	if (!m->engine_ok)
		cJSON_AddStringToObject(eng, "error", m->engine_error);
	cJSON *w = cJSON_AddObjectToObject(o, "workers");
	cJSON_AddNumberToObject(w, "total", m->nslots);
	cJSON_AddNumberToObject(w, "alive", alive);
	cJSON_AddNumberToObject(w, "busy", busy);
	cJSON_AddNumberToObject(o, "queued", m->queue.len);
	cJSON_AddNumberToObject(o, "running", m->running);
	add_pools(o, m);
	cJSON *st = cJSON_AddObjectToObject(o, "store");
	cJSON_AddStringToObject(st, "state", m->store_up ? "up" : "down");
	cJSON_AddStringToObject(st, "backend", m->store_backend[0] ? m->store_backend : "sqlite");
	if (!m->store_up)
		cJSON_AddStringToObject(st, "error", m->store_error);
	return o;
}

int health_http_status(const struct master *m)
{
	return m->engine_ok ? 200 : 503;
}
