/*
 * pool.c - the master's inventory of containers: per language, the ready ones (oldest first,
 * paused or not, being paused or not), and the ids of containers to remove (chores). Ids only:
 * the workers do the engine calls; sched.c decides who does what.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "pool.h"

struct pool *pool_find(const struct master *m, const char *lang)
{
	for (int i = 0; i < m->npools; i++)
		if (!strcmp(m->pools[i].lang, lang))
			return &m->pools[i];
	return NULL;
}

struct pool *pool_add(struct master *m, const char *lang)
{
	struct pool *p = realloc(m->pools, sizeof(*p) * (size_t)(m->npools + 1));
	if (!p)
		return NULL;
	m->pools = p;
	p = &m->pools[m->npools++];
	memset(p, 0, sizeof(*p));
	snprintf(p->lang, sizeof(p->lang), "%s", lang);
	return p;
}

/* A container to remove (used, orphaned, or surplus). */
void pool_discard(struct master *m, const char *id)
{
	if (m->nchores == m->chores_cap) {
		int cap = m->chores_cap ? m->chores_cap * 2 : 16;
		char **c = realloc(m->chores, sizeof(char *) * (size_t)cap);
		if (!c) {
			log_warnx("out of memory: container %.12s is left for the next cleanup",
				  id);
			return;
		}
		m->chores = c;
		m->chores_cap = cap;
	}
	char *s = strdup(id);
	if (s)
		m->chores[m->nchores++] = s;
}

/* waiting: jobs of this language in the queue (a pool may run that much over its target). */
void pool_push(struct master *m, struct pool *p, const char *id, int paused, int waiting)
{
	if (p->removed || p->nready >= p->target + waiting + 4) {
		pool_discard(m, id);
		return;
	}
	if (p->nready == p->cap) {
		int cap = p->cap ? p->cap * 2 : 8;
		struct ready_ct *r = realloc(p->ready, sizeof(*r) * (size_t)cap);
		if (!r) {
			pool_discard(m, id);
			return;
		}
		p->ready = r;
		p->cap = cap;
	}
	struct ready_ct *r = &p->ready[p->nready++];
	memset(r, 0, sizeof(*r));
	snprintf(r->id, sizeof(r->id), "%s", id);
	r->paused = paused;
	r->since = clock_ms();
}

/* A container back from a job after a clean reset: kept (running; paused after the idle delay
 * like any) only while the pool is below its target plus the jobs waiting, else removed. */
void pool_push_reused(struct master *m, struct pool *p, const char *id, int uses, const char *key,
		      int waiting)
{
	if (p->removed || p->nready >= p->target + waiting) {
		pool_discard(m, id);
		return;
	}
	pool_push(m, p, id, 0, waiting);
	struct ready_ct *r = &p->ready[p->nready - 1];
	if (strcmp(r->id, id))
		return; /* not kept (out of memory): discarded */
	r->uses = uses;
	snprintf(r->key, sizeof(r->key), "%s", key);
}

void pool_job_back(struct master *m, struct pool *p, const cJSON *o, int waiting)
{
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(o, "container"));
	const cJSON *uses = cJSON_GetObjectItem(o, "uses");
	const cJSON *key = cJSON_GetObjectItem(o, "key");
	if (!id)
		return;
	if (p && cJSON_IsNumber(uses) && cJSON_IsString(key))
		pool_push_reused(m, p, id, uses->valueint, key->valuestring, waiting);
	else
		pool_discard(m, id);
}

int pool_trim_reused(struct master *m, struct pool *p, int waiting)
{
	int n = 0;
	for (int k = 0; k < p->nready && p->nready > p->target + waiting;) {
		if (p->ready[k].uses == 0 || p->ready[k].pausing) {
			k++;
			continue;
		}
		pool_discard(m, p->ready[k].id);
		memmove(p->ready + k, p->ready + k + 1,
			sizeof(*p->ready) * (size_t)(p->nready - k - 1));
		p->nready--;
		n++;
	}
	return n;
}

/* Ready containers that served jobs before (the rest are fresh). */
int pool_reused_count(const struct pool *p)
{
	int n = 0;
	for (int i = 0; i < p->nready; i++)
		n += p->ready[i].uses > 0;
	return n;
}

void pool_drain(struct master *m, struct pool *p)
{
	for (int i = 0; i < p->nready; i++)
		pool_discard(m, p->ready[i].id);
	p->nready = 0;
}

/* Ready containers a job may take now (not those a worker is pausing). */
int pool_available(const struct pool *p)
{
	int n = 0;
	for (int i = 0; i < p->nready; i++)
		n += !p->ready[i].pausing;
	return n;
}

/* Whether a job of reuse key key may take r: a fresh one, or any with scope "any" (key NULL), or
 * one that served only jobs of the same key. */
static int fits(const struct ready_ct *r, const char *key)
{
	return !r->pausing && (r->uses == 0 || !key || !strcmp(r->key, key));
}

int pool_available_for(const struct pool *p, const char *key)
{
	int n = 0;
	for (int i = 0; i < p->nready; i++)
		n += fits(&p->ready[i], key);
	return n;
}

/* Takes the container for a job: a running one first (no unpause), else the oldest paused one.
 * Returns -1 when none is available. */
int pool_take(struct pool *p, char id[72], int *paused)
{
	int uses;
	return pool_take_for(p, NULL, id, paused, &uses);
}

int pool_take_for(struct pool *p, const char *key, char id[72], int *paused, int *uses)
{
	int k = -1;
	for (int i = 0; i < p->nready && (k < 0 || p->ready[k].paused); i++)
		if (fits(&p->ready[i], key) && (k < 0 || !p->ready[i].paused))
			k = i;
	if (k < 0)
		return -1;
	snprintf(id, 72, "%s", p->ready[k].id);
	*paused = p->ready[k].paused;
	*uses = p->ready[k].uses;
	memmove(p->ready + k, p->ready + k + 1, sizeof(*p->ready) * (size_t)(p->nready - k - 1));
	p->nready--;
	return 0;
}

/* The oldest running ready container unused for idle_ms, marked as being paused; NULL if none. */
struct ready_ct *pool_pause_due(struct master *m, long now, long idle_ms)
{
	struct ready_ct *best = NULL;
	for (int i = 0; i < m->npools; i++) {
		struct pool *p = &m->pools[i];
		for (int k = 0; !p->removed && k < p->nready; k++) {
			struct ready_ct *r = &p->ready[k];
			if (!r->paused && !r->pausing && now - r->since >= idle_ms &&
			    (!best || r->since < best->since))
				best = r;
		}
	}
	if (best)
		best->pausing = 1;
	return best;
}

/* A PAUSE ended: the container is paused, or (ok == 0) it is no longer usable and goes. */
void pool_pause_done(struct master *m, const char *id, int ok)
{
	for (int i = 0; i < m->npools; i++) {
		struct pool *p = &m->pools[i];
		for (int k = 0; k < p->nready; k++) {
			if (strcmp(p->ready[k].id, id))
				continue;
			if (ok) {
				p->ready[k].pausing = 0;
				p->ready[k].paused = 1;
			} else {
				pool_discard(m, id);
				memmove(p->ready + k, p->ready + k + 1,
					sizeof(*p->ready) * (size_t)(p->nready - k - 1));
				p->nready--;
			}
			return;
		}
	}
}

void pool_free_all(struct master *m)
{
	for (int i = 0; i < m->npools; i++)
		free(m->pools[i].ready);
	free(m->pools);
	m->pools = NULL;
	m->npools = 0;
	for (int i = 0; i < m->nchores; i++)
		free(m->chores[i]);
	free(m->chores);
	m->chores = NULL;
	m->nchores = m->chores_cap = 0;
}
