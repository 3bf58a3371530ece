/*
 * jobs.c - the life of a job in the master: admitted into the bounded FIFO, taken off it for a
 * worker (sched.c), and ended exactly once (jobs_finish): by its result, a queue timeout, its
 * master-side deadline, the client going away, or the service stopping. Knows no worker.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "jobs.h"
#include "jsonutil.h"
#include "log.h"
#include "metrics.h"

#define STEP_SLACK_MS 5000 /* as the worker allows per step (workers/job.c SLACK_MS) */

struct job *jobs_submit(struct queue *q, int cap, cJSON *spec, const char *lang, job_done_fn done,
			void *arg, int *http, char **body)
{
	if (q->len >= cap) {
		*http = 503;
		*body = json_error("the job queue is full; try again later", NULL);
		return NULL;
	}
	struct job *j = calloc(1, sizeof(*j));
	if (!j) {
		log_error("calloc");
		*http = 500;
		*body = json_error("out of memory", NULL);
		return NULL;
	}
	j->id = q->next_id++;
	if (q->next_id == 0)
		q->next_id = 1;
	j->on_done = done;
	j->done_arg = arg;
	j->spec = spec;
	j->t_admit = clock_ms();
	snprintf(j->lang, sizeof(j->lang), "%s", lang);
	if (q->tail)
		q->tail->next = j;
	else
		q->head = j;
	q->tail = j;
	q->len++;
	return j;
}

void jobs_requeue(struct queue *q, struct job *j)
{
	j->next = q->head;
	q->head = j;
	if (!q->tail)
		q->tail = j;
	q->len++;
}

void jobs_unlink(struct queue *q, struct job *prev, struct job *j)
{
	if (prev)
		prev->next = j->next;
	else
		q->head = j->next;
	if (q->tail == j)
		q->tail = prev;
	j->next = NULL;
	q->len--;
}

int jobs_dequeue(struct queue *q, struct job *j)
{
	struct job *prev = NULL;
	for (struct job *x = q->head; x; prev = x, x = x->next)
		if (x == j) {
			jobs_unlink(q, prev, j);
			return 0;
		}
	return -1;
}

void jobs_free(struct job *j)
{
	if (!j)
		return;
	cJSON_Delete(j->spec);
	free(j->body);
	free(j);
}

void jobs_finish(struct job *j, int http, char *body)
{
	j->http = http;
	free(j->body);
	j->body = body;
	j->done = 1;
	cJSON_Delete(j->spec);
	j->spec = NULL;
	if (j->on_done)
		j->on_done(j, j->done_arg);
	else
		jobs_free(j);
}

void jobs_detach(struct job *j)
{
	j->on_done = NULL;
	j->on_chunk = NULL; /* nobody to pass output to either */
	j->done_arg = NULL;
}

long jobs_deadline_ms(const cJSON *spec, const struct config *c)
{
	const cJSON *lang = cJSON_GetObjectItem(spec, "lang");
	const cJSON *tests = cJSON_GetObjectItem(spec, "tests");
	double wall = json_num(spec, "wall_ms", 5000) + STEP_SLACK_MS;
	double n = cJSON_IsArray(tests) ? cJSON_GetArraySize(tests) : 1;
	double runs = n * wall, cap = c->max_request_s * 1000 + wall;
	double ct = json_num(lang, "compile_time_ms", 30000);
	double cwall = json_num(lang, "compile_wall_ms", ct * 2);
	double compile = cJSON_GetArraySize(cJSON_GetObjectItem(lang, "compile")) > 0
				 ? cwall + STEP_SLACK_MS : 0;
	/* the worker's own engine calls (limits, unpause, attach) and message writes */
	double margin = 3.0 * c->docker_timeout_ms + 10000;
	return (long)(compile + (runs < cap ? runs : cap) + margin);
}

void jobs_expire(struct queue *q, long now, double timeout_s, int engine_ok)
{
	long limit = (long)(timeout_s * 1000);
	struct job *prev = NULL, *j = q->head;
	while (j) {
		struct job *next = j->next;
		if (!j->keep_queued && now - j->t_admit > limit) {
			jobs_unlink(q, prev, j);
			metrics_execution(j->lang, "queue_timeout");
			char msg[160];
			snprintf(msg, sizeof(msg), "no %s container became ready within %g s%s",
				 j->lang, timeout_s,
				 engine_ok ? "" : " (the Docker engine is unreachable)");
			jobs_finish(j, 503, json_error(msg, NULL));
		} else {
			prev = j;
		}
		j = next;
	}
}

void jobs_drop_queue(struct queue *q, int http, const char *msg)
{
	while (q->head) {
		struct job *j = q->head;
		jobs_unlink(q, NULL, j);
		jobs_finish(j, http, json_error(msg, NULL));
	}
}

void jobs_rewrite(struct job *j, cJSON *(*fn)(cJSON *native), const char *who)
{
	cJSON *n = cJSON_Parse(j->body);
	cJSON *o = n ? fn(n) : NULL;
	char *s = o ? cJSON_PrintUnformatted(o) : NULL;
	cJSON_Delete(n);
	if (!o)
		return;
	cJSON_Delete(o);
	if (!s) {
		log_errorx("%s: out of memory rendering the answer of job %u", who, j->id);
		return; /* the native answer is sent instead */
	}
	free(j->body);
	j->body = s;
}
