/*
 * jobs.h - a job's life in the master: admitted into the bounded queue, taken off it by the
 * scheduler, and ended exactly once (jobs_finish), which hands it to its completion callback.
 */
#ifndef EXECUTIONER_JOBS_H
#define EXECUTIONER_JOBS_H

#include "master.h"

/* Admits a job at the tail of q (at most cap queued); its spec is taken over. NULL when refused,
 * with *http and *body (malloc'd JSON) the answer to give. done(j, arg) is called when it ends. */
struct job *jobs_submit(struct queue *q, int cap, cJSON *spec, const char *lang, job_done_fn done,
			void *arg, int *http, char **body);
void jobs_unlink(struct queue *q, struct job *prev, struct job *j);
/* Takes j off q if it is queued: 0, or -1 when it is not in the queue. */
int jobs_dequeue(struct queue *q, struct job *j);
void jobs_requeue(struct queue *q, struct job *j); /* back to the head of the queue */
/* Ends the job with this answer (body is taken over): the callback gets it, or it is freed. */
void jobs_finish(struct job *j, int http, char *body);
/* The client is gone: nobody waits for the answer; the job is freed when it ends. */
void jobs_detach(struct job *j);
/* The one place a job is freed (with its spec and body). */
void jobs_free(struct job *j);
/* Replaces j's JSON answer by fn(the parsed answer, which fn may take items from): a foreign
 * API's shape (v1.c, piston.c). fn returning NULL keeps the native answer; so does a failure to
 * print (logged under who). */
void jobs_rewrite(struct job *j, cJSON *(*fn)(cJSON *native), const char *who);
long jobs_deadline_ms(const cJSON *spec, const struct config *c); /* dispatch to forced end */
/* Ends the queued jobs older than timeout_s (503), but those marked keep_queued. */
void jobs_expire(struct queue *q, long now, double timeout_s, int engine_ok);
void jobs_drop_queue(struct queue *q, int http, const char *msg);

#endif
