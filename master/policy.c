/*
 * policy.c - the scheduling policy (see policy.h): FIFO over the jobs whose language has a
 * container, urgent refills for the oldest starved job, then the biggest shortfall round-robin.
 * Pure: reads the state it is given, changes nothing but the round-robin cursor it is handed.
 */
#include <string.h>

#include "policy.h"
#include "pool.h"

int policy_max_uses(const struct config *c, const struct lang *g)
{
	return strcmp(c->pool_transport, "attach") ? 1 : g->max_uses;
}

const char *policy_reuse_key(const struct master *m, const struct job *j)
{
	if (!strcmp(m->cfg.pool_reuse_scope, "any"))
		return NULL;
	const char *k = cJSON_GetStringValue(cJSON_GetObjectItem(j->spec, "reuse_key"));
	return k ? k : "";
}

/* No container in the pool (ready or being paused) can ever serve j: none, or only reused ones
 * of other reuse keys. */
static int none_for(const struct master *m, const struct pool *p, const struct job *j)
{
	const char *key = policy_reuse_key(m, j);
	for (int i = 0; i < p->nready; i++)
		if (p->ready[i].uses == 0 || !key || !strcmp(p->ready[i].key, key))
			return 0;
	return 1;
}

struct job *policy_next_job(const struct master *m, struct job **prev)
{
	*prev = NULL;
	for (struct job *j = m->queue.head; j; *prev = j, j = j->next) {
		const struct pool *p = pool_find(m, j->lang);
		if (p && pool_available_for(p, policy_reuse_key(m, j)) > 0)
			return j;
	}
	*prev = NULL;
	return NULL;
}

int policy_waiting(const struct queue *q, const char *lang)
{
	int n = 0;
	for (const struct job *j = q->head; j; j = j->next)
		n += !strcmp(j->lang, lang);
	return n;
}

struct pool *policy_urgent_pool(const struct master *m, long now)
{
	for (const struct job *j = m->queue.head; j; j = j->next) {
		struct pool *p = pool_find(m, j->lang);
		if (!p || p->removed || p->retry_at > now)
			continue;
		/* a ready one goes to the job (policy_next_job); only a language with none needs a
		 * fill now, and only as many as its jobs wait for */
		if (none_for(m, p, j) && p->filling < policy_waiting(&m->queue, p->lang))
			return p;
	}
	return NULL;
}

struct pool *policy_neediest_pool(const struct master *m, long now, int *rr)
{
	struct pool *best = NULL;
	int best_need = 0;
	for (int k = 0; k < m->npools; k++) {
		struct pool *p = &m->pools[(*rr + k) % m->npools];
		int need = p->target - (p->nready + p->filling);
		if (p->removed || p->retry_at > now || need <= 0)
			continue;
		if (need > best_need) {
			best = p;
			best_need = need;
		}
	}
	*rr = m->npools ? (*rr + 1) % m->npools : 0;
	return best;
}

long policy_backoff_ms(int failures)
{
	return 500L << (failures < 6 ? failures : 6);
}

int policy_fill_paused(const struct config *c, int urgent)
{
	/* paused in the fill only without an idle delay (else try_pause does it later) */
	return c->pool_pause && !urgent && c->pool_pause_idle_ms == 0;
}
