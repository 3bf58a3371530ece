/*
 * pool.h - the master's inventory of containers: per language, the ready ones (ids only), and
 * the ids of containers to remove (chores). Bookkeeping only: the workers do the engine calls.
 */
#ifndef EXECUTIONER_POOL_H
#define EXECUTIONER_POOL_H

#include "master.h"

struct pool *pool_find(const struct master *m, const char *lang);
struct pool *pool_add(struct master *m, const char *lang);
/* waiting: jobs of this language in the queue (a pool may run that much over its target). */
void pool_push(struct master *m, struct pool *p, const char *id, int paused, int waiting);
void pool_drain(struct master *m, struct pool *p);
/* Ready containers a job may take now (not those a worker is pausing). */
int pool_available(const struct pool *p);
/* A running one first (no unpause), else the oldest paused one; 0, or -1 when none. */
int pool_take(struct pool *p, char id[72], int *paused);
/* Container reuse (pool.max_uses > 1). key: the job's reuse key (pool.reuse_scope "key"), or NULL
 * (scope "any"): a reused container goes only to a job of the key it served. *uses: how many
 * jobs it served. */
int pool_take_for(struct pool *p, const char *key, char id[72], int *paused, int *uses);
int pool_available_for(const struct pool *p, const char *key);
/* A container back after a clean reset; removed instead when the pool has enough. */
void pool_push_reused(struct master *m, struct pool *p, const char *id, int uses, const char *key,
		      int waiting);
int pool_reused_count(const struct pool *p); /* ready containers that served jobs before */
/* Removes reused ready containers, oldest first, while the pool holds more than its target plus
 * the jobs waiting (a burst's containers would otherwise stay); fresh ones are left as they are.
 * Returns how many. */
int pool_trim_reused(struct master *m, struct pool *p, int waiting);
/* A job's worker sent its container back (MSG_READY {"container", "uses", "key"}): pushed as
 * reused, or removed when p is NULL or a field is missing. */
void pool_job_back(struct master *m, struct pool *p, const cJSON *o, int waiting);
/* The oldest running ready container unused for idle_ms, marked as being paused; NULL if none. */
struct ready_ct *pool_pause_due(struct master *m, long now, long idle_ms);
/* A PAUSE ended: the container is paused, or (ok == 0) it is no longer usable and goes. */
void pool_pause_done(struct master *m, const char *id, int ok);
/* A container to remove (used, orphaned, or surplus). */
void pool_discard(struct master *m, const char *id);
void pool_free_all(struct master *m);

#endif
