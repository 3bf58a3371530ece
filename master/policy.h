/*
 * policy.h - the scheduler's decisions as pure functions of the master's state and the time:
 * which queued job an idle worker takes, which pool it refills, and the refill backoff. No I/O,
 * no messages: sched.c acts on the answers; tests/unit/test_sched.c checks them.
 */
#ifndef EXECUTIONER_POLICY_H
#define EXECUTIONER_POLICY_H

#include "master.h"

/* The first queued job (FIFO) whose language has a container available now; NULL if none.
 * *prev is the job before it in the queue (NULL at the head). */
struct job *policy_next_job(const struct master *m, struct job **prev);
/* The reuse key a job's container must have served (pool.reuse_scope "key": its API key's hash,
 * "" without API keys), or NULL when any reused container will do (scope "any"). */
const char *policy_reuse_key(const struct master *m, const struct job *j);
/* The jobs a container of language g may serve: its max_uses, or 1 with the exec transport. */
int policy_max_uses(const struct config *c, const struct lang *g);
/* Jobs of this language in the queue. */
int policy_waiting(const struct queue *q, const char *lang);
/* The pool of the oldest queued job that has no container ready or coming: refilled first, so
 * a language never starves behind others whose containers keep arriving. NULL if none. */
struct pool *policy_urgent_pool(const struct master *m, long now);
/* Otherwise the pool with the biggest shortfall below its target; ties go round-robin (*rr is
 * the rotation, advanced on each call). NULL when every pool is full or backing off. */
struct pool *policy_neediest_pool(const struct master *m, long now, int *rr);
/* The wait before the next FILL after this many failures in a row: 1 s doubling to 32 s. */
long policy_backoff_ms(int failures);
/* Whether a FILL makes its container paused at once (not for a job already waiting). */
int policy_fill_paused(const struct config *c, int urgent);

#endif
