/*
 * sched_spec.c - what the scheduler sends a worker: a job's spec (the request plus its container,
 * its transport and reuse, and a stored problem's checker sandbox) and a pool fill's container
 * spec, built from the config. Pure: no state of its own, no I/O.
 */
#include <stdlib.h>

#include "clock.h"
#include "jsonutil.h"
#include "policy.h"
#include "sched_spec.h"

/* What every container the service makes shares (container.c reads it): owner, limits, runtime. */
static cJSON *container_base(const struct config *c, const char *owner, int pids)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "owner", owner);
	cJSON_AddNumberToObject(o, "cpus", c->cpus);
	cJSON_AddNumberToObject(o, "pids", pids);
	cJSON_AddNumberToObject(o, "workdir_mb", c->workdir_mb);
	cJSON_AddNumberToObject(o, "tmp_mb", c->tmp_mb);
	cJSON_AddNumberToObject(o, "shm_mb", c->shm_mb);
	cJSON_AddNumberToObject(o, "nofile", c->nofile);
	cJSON_AddNumberToObject(o, "fsize_bytes", (double)c->fsize_kb * 1024);
	cJSON_AddStringToObject(o, "runtime", c->runtime);
	return o;
}

/* How a worker makes a stored problem's checker sandbox: hardened as the pool's (container.c),
 * of this service's owner so that a cleanup finds it if the worker dies. */
static cJSON *sandbox_json(const struct config *c, const char *owner)
{
	cJSON *o = container_base(c, owner, c->pids);
	cJSON_AddStringToObject(o, "transport", "attach");
	cJSON_AddNumberToObject(o, "slack_mb", config_slack_mb(c));
	return o;
}

/* The spec as the worker gets it: the request plus the container and how to reach it. The spec
 * stays with the job until it ends: a job whose container was gone runs again. */
char *sched_spec_job(const struct config *c, const char *owner, struct job *j, const char *id,
		     int paused, const char *transport, int uses)
{
	static const char *const added[] = { "container", "id", "queue_ms", "pause", "transport",
					     "uses", "max_uses" };
	const struct lang *g = config_lang(c, j->lang);
	for (size_t k = 0; k < sizeof(added) / sizeof(added[0]); k++)
		cJSON_DeleteItemFromObjectCaseSensitive(j->spec, added[k]);
	cJSON_AddStringToObject(j->spec, "container", id);
	cJSON_AddNumberToObject(j->spec, "id", j->id);
	cJSON_AddNumberToObject(j->spec, "queue_ms", (double)(clock_ms() - j->t_admit));
	cJSON_AddBoolToObject(j->spec, "pause", paused);
	cJSON_AddStringToObject(j->spec, "transport", transport);
	cJSON *pr = cJSON_GetObjectItem(j->spec, "problem");
	if (pr) {
		cJSON_DeleteItemFromObjectCaseSensitive(pr, "sandbox");
		cJSON_AddItemToObject(pr, "sandbox", sandbox_json(c, owner));
	}
	/* reuse: jobs the container served before this one, and how many it may serve */
	cJSON_AddNumberToObject(j->spec, "uses", uses);
	cJSON_AddNumberToObject(j->spec, "max_uses", g ? policy_max_uses(c, g) : 1);
	return cJSON_PrintUnformatted(j->spec);
}

/* The seccomp profile is not sent: each worker has it in the config it was forked with (read
 * once at start, kept across SIGHUP). pause: whether the container waits paused. */
char *sched_spec_fill(const struct config *c, const char *owner, const struct lang *g,
		      int pause)
{
	cJSON *o = container_base(c, owner, g->pids);
	cJSON_AddStringToObject(o, "lang", g->id);
	cJSON_AddStringToObject(o, "image", g->image);
	cJSON_AddNumberToObject(o, "memory_mb", config_container_mb(c, g));
	cJSON_AddBoolToObject(o, "pause", pause);
	cJSON_AddStringToObject(o, "transport", c->pool_transport);
	cJSON_AddNumberToObject(o, "max_uses", policy_max_uses(c, g));
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}
