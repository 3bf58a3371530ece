/*
 * master.h - the master's state and the types its modules share: jobs and their queue
 * (jobs.c), worker slots as the scheduler sees them (sched.c), per-language pools (pool.c).
 * One instance, owned by main.c and handed to each module at init: no module owns it.
 */
#ifndef EXECUTIONER_MASTER_H
#define EXECUTIONER_MASTER_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "config.h"

/* The graceful stop, in order: running (no stop), draining jobs, removing containers. */
enum stop_phase { STOP_NONE = 0, STOP_DRAIN, STOP_CLEANUP };

enum slot_state { SLOT_DEAD = 0, SLOT_IDLE, SLOT_BUSY };
enum task { TASK_NONE = 0, TASK_JOB, TASK_FILL, TASK_REMOVE, TASK_CLEANUP, TASK_PING, TASK_PAUSE };

struct job;
/* Called once, when the job is answered; the job then belongs to the callback's owner, who
 * frees it with jobs_free() (once it has sent the answer). */
typedef void (*job_done_fn)(struct job *j, void *arg);
/* Called each time the job is handed to a worker. */
typedef void (*job_start_fn)(struct job *j, void *arg);
/* A streamed job's output as it is written (tag T_STDOUT or T_STDERR), before it ends. */
typedef void (*job_chunk_fn)(struct job *j, uint32_t tag, const uint8_t *p, size_t n, void *arg);

struct job {
	uint32_t id;
	char lang[CONF_ID_MAX];
	cJSON *spec;                 /* normalized request; owned until the job ends */
	long t_admit, t_start;       /* monotonic ms */
	int http;                    /* answer, once done */
	char *body;
	int done;
	int cancelled;               /* the client went away: dropped, or MSG_CANCEL sent */
	int retries;                 /* times it went back to the queue (its container was gone) */
	int keep_queued;             /* never times out in the queue: a stored submission waits */
	long deadline;               /* running: the master ends it (and its worker) at this time */
	job_done_fn on_done;         /* NULL once its client is gone: freed when it ends */
	void *done_arg;
	job_start_fn on_start;       /* optional; gets done_arg */
	job_chunk_fn on_chunk;       /* optional (spec "stream": true); gets done_arg */
	struct job *next;            /* queue link */
};

/* The bounded FIFO of admitted jobs waiting for a worker and a container. */
struct queue {
	struct job *head, *tail;
	int len;
	uint32_t next_id;
};

/* A worker as the scheduler sees it; the process itself (pid, socket) is procs.c's. */
struct slot {
	int index;                   /* the worker's number in procs.c */
	enum slot_state state;
	enum task task;
	struct job *job;             /* TASK_JOB, until the job leaves the slot */
	char container[72];          /* the container the task holds, if any */
	char lang[CONF_ID_MAX];      /* TASK_FILL: the language being filled */
	int fill_open;               /* TASK_FILL: still counted in that pool's filling */
	long since;                  /* when the task started */
};

struct ready_ct {
	char id[72];
	int paused;                  /* frozen by the engine; unpaused when a job takes it */
	int pausing;                 /* a PAUSE is in flight: not to be handed out until it ends */
	long since;                  /* when it became ready (monotonic ms) */
	int uses;                    /* jobs it served (pool.max_uses > 1); 0: fresh */
	char key[72];                /* reused: the reuse key of its jobs ("" when no API keys) */
};

struct pool {
	char lang[CONF_ID_MAX];
	struct ready_ct *ready;      /* containers ready for a job, oldest first */
	int nready, cap;
	int filling;                 /* FILLs in flight */
	int target;
	int failures;                /* consecutive FILL failures */
	long retry_at;               /* backoff after failures */
	char version[64];            /* as the image reports it */
	char transport[16];          /* how its containers' helpers are reached */
	int removed;                 /* language gone from the config: drain */
};

struct master {
	struct config cfg;
	char owner[17];              /* this run's owner id (owner.h): labels its containers */
	struct slot *slots;
	int nslots;
	struct pool *pools;
	int npools;
	struct queue queue;
	int running;                 /* jobs on a worker */
	char **chores;               /* container ids to remove */
	int nchores, chores_cap;
	int cleanup_pending, cleanup_done;
	int ready_logged;
	int engine_ok;
	char engine_error[256];
	long next_ping;
	long next_cleanup; /* the periodic container cleanup and orphan scan */
	enum stop_phase stopping;
	long stop_deadline;
	int store_up;                /* the store process has its database open */
	char store_error[256];       /* why not */
	char store_backend[16];
};

#endif
