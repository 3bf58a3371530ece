/*
 * jobs.c - the life of a job in the master: admitted into the bounded FIFO, dispatched (sched.c),
 * and ended exactly once: by its result, a queue timeout, its master-side deadline (limits plus a
 * margin: a worker that never answers is killed), the client going away, or the service stopping.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "jsonutil.h"
#include "log.h"
#include "master.h"
#include "metrics.h"
#include "wire.h"

#define STEP_SLACK_MS 5000 /* as the worker allows per step (workers/job.c SLACK_MS) */

struct job *jobs_submit(cJSON *spec, const char *lang, struct MHD_Connection *conn, int *http, char **body)
{
	if (M.stopping) {
		*http = 503;
		*body = json_error("the service is shutting down", NULL);
		return NULL;
	}
	if (M.queued >= M.cfg.queue_size) {
		*http = 503;
		*body = json_error("the job queue is full; try again later", NULL);
		return NULL;
	}
	struct job *j = calloc(1, sizeof(*j));
	if (!j) {
		*http = 500;
		*body = json_error("out of memory", NULL);
		return NULL;
	}
	j->id = M.next_job_id++;
	if (M.next_job_id == 0)
		M.next_job_id = 1;
	j->conn = conn;
	j->spec = spec;
	j->t_admit = clock_ms();
	snprintf(j->lang, sizeof(j->lang), "%s", lang);
	if (M.queue_tail)
		M.queue_tail->next = j;
	else
		M.queue_head = j;
	M.queue_tail = j;
	M.queued++;
	return j;
}

void jobs_requeue(struct job *j)
{
	j->next = M.queue_head;
	M.queue_head = j;
	if (!M.queue_tail)
		M.queue_tail = j;
	M.queued++;
}

void jobs_unlink(struct job *prev, struct job *j)
{
	if (prev)
		prev->next = j->next;
	else
		M.queue_head = j->next;
	if (M.queue_tail == j)
		M.queue_tail = prev;
	j->next = NULL;
	M.queued--;
}

/* The job is answered: its connection (if any) is resumed to send the body. */
void jobs_finish(struct job *j, int http, char *body)
{
	j->http = http;
	free(j->body);
	j->body = body;
	j->done = 1;
	cJSON_Delete(j->spec);
	j->spec = NULL;
	if (j->conn)
		http_resume(j);
	else {
		free(j->body);
		free(j);
	}
}

long jobs_deadline_ms(const cJSON *spec, const struct config *c)
{
	const cJSON *lang = cJSON_GetObjectItem(spec, "lang");
	const cJSON *tests = cJSON_GetObjectItem(spec, "tests");
	double wall = json_num(spec, "wall_ms", 5000) + STEP_SLACK_MS;
	double n = cJSON_IsArray(tests) ? cJSON_GetArraySize(tests) : 1;
	double runs = n * wall, cap = c->max_request_s * 1000 + wall;
	double compile = cJSON_GetArraySize(cJSON_GetObjectItem(lang, "compile")) > 0
				 ? json_num(lang, "compile_time_ms", 30000) * 2 + STEP_SLACK_MS : 0;
	/* the worker's own engine calls (limits, unpause, attach) and message writes */
	double margin = 3.0 * c->docker_timeout_ms + 10000;
	return (long)(compile + (runs < cap ? runs : cap) + margin);
}

/* The slot running j, or NULL. */
static struct slot *slot_of(const struct job *j)
{
	for (int i = 0; i < M.nslots; i++)
		if (M.slots[i].task == TASK_JOB && M.slots[i].job == j)
			return &M.slots[i];
	return NULL;
}

/* Ends a running job without its result; the worker is killed (and respawned), which discards
 * the job's container. */
static void end_running(struct slot *s, int http, const char *status, const char *msg)
{
	struct job *j = s->job;
	s->job = NULL;
	M.running--;
	metrics_execution(j->lang, status);
	jobs_finish(j, http, json_error(msg, NULL));
	procs_kill(s);
}

void jobs_expire(void)
{
	long t = clock_ms(), limit = (long)(M.cfg.queue_timeout_s * 1000);
	struct job *prev = NULL, *j = M.queue_head;
	while (j) {
		struct job *next = j->next;
		if (t - j->t_admit > limit) {
			jobs_unlink(prev, j);
			metrics_execution(j->lang, "queue_timeout");
			char msg[160];
			snprintf(msg, sizeof(msg), "no %s container became ready within %g s%s", j->lang,
				 M.cfg.queue_timeout_s, M.engine_ok ? "" : " (the Docker engine is unreachable)");
			jobs_finish(j, 503, json_error(msg, NULL));
		} else {
			prev = j;
		}
		j = next;
	}
	for (int i = 0; i < M.nslots; i++) {
		struct slot *s = &M.slots[i];
		if (s->task != TASK_JOB || !s->job || t < s->job->deadline)
			continue;
		log_errorx("job %u (%s) did not end within its limits plus a margin; killing worker pid %d", s->job->id,
			  s->job->lang, (int)s->pid);
		end_running(s, 500, "internal_error",
			    "internal_error: the job did not end within its limits; its worker was restarted");
	}
}

void jobs_cancel(struct job *j)
{
	if (j->done || j->cancelled)
		return;
	j->cancelled = 1;
	struct job *prev = NULL;
	for (struct job *q = M.queue_head; q; prev = q, q = q->next) {
		if (q != j)
			continue;
		jobs_unlink(prev, j);
		metrics_execution(j->lang, "cancelled");
		jobs_finish(j, 499, json_error("cancelled: the client closed the connection", NULL));
		return;
	}
	struct slot *s = slot_of(j);
	if (s && procs_send(s, MSG_CANCEL, j->id, NULL) < 0)
		end_running(s, 499, "cancelled", "cancelled: the client closed the connection");
	log_info("job %u (%s): the client went away; cancelled", j->id, j->lang);
}

void jobs_drop_queue(int http, const char *msg)
{
	while (M.queue_head) {
		struct job *j = M.queue_head;
		jobs_unlink(NULL, j);
		jobs_finish(j, http, json_error(msg, NULL));
	}
}

void jobs_abort_running(const char *msg)
{
	for (int i = 0; i < M.nslots; i++)
		if (M.slots[i].task == TASK_JOB && M.slots[i].job)
			end_running(&M.slots[i], 503, "internal_error", msg);
}
