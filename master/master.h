/*
 * master.h - state shared by the master's modules: worker slots (procs.c), jobs, the queue and
 * the per-language pool inventory (sched.c), and the HTTP front (http.c). The master is one
 * thread with one poll loop (main.c); it never calls the Docker engine itself.
 */
#ifndef EXECUTIONER_MASTER_H
#define EXECUTIONER_MASTER_H

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "clock.h"
#include "config.h"

struct MHD_Connection;

enum slot_state { SLOT_DEAD = 0, SLOT_IDLE, SLOT_BUSY };
enum task { TASK_NONE = 0, TASK_JOB, TASK_FILL, TASK_REMOVE, TASK_CLEANUP, TASK_PING, TASK_PAUSE };

struct job {
	uint32_t id;
	struct MHD_Connection *conn; /* NULL once the client is gone */
	char lang[CONF_ID_MAX];
	cJSON *spec;                 /* normalized request; owned until dispatched */
	long t_admit, t_start;       /* monotonic ms */
	int http;                    /* answer, once done */
	char *body;
	int done;
	int cancelled;               /* the client went away: dropped, or MSG_CANCEL sent */
	int retries;                 /* times it went back to the queue (its container was gone) */
	long deadline;               /* running: the master ends it (and its worker) at this time */
	struct job *next;            /* queue link */
};

struct slot {
	pid_t pid;
	int fd;
	uint32_t gen;
	enum slot_state state;
	enum task task;
	struct job *job;             /* TASK_JOB */
	char container[72];          /* the container the task holds, if any */
	char lang[CONF_ID_MAX];      /* TASK_FILL */
	struct buf in, out;          /* unparsed input, unsent output */
	long since;                  /* when the task started */
	long respawn_at;             /* SLOT_DEAD: when to fork again */
};

struct ready_ct {
	char id[72];
	int paused;                  /* frozen by the engine; unpaused when a job takes it */
	int pausing;                 /* a PAUSE is in flight: not to be handed out until it ends */
	long since;                  /* when it became ready (monotonic ms) */
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
	char owner[17];              /* this run's owner id (owner.h): the label on its containers */
	struct slot *slots;
	int nslots;
	struct pool *pools;
	int npools;
	struct job *queue_head, *queue_tail;
	int queued, running;
	uint32_t next_job_id;
	char **chores;               /* container ids to remove */
	int nchores, chores_cap;
	int cleanup_pending, cleanup_done;
	int ready_logged;
	int engine_ok;
	char engine_error[256];
	long next_ping;
	volatile sig_atomic_t sig_term, sig_hup, sig_chld;
	int stopping;
	long stop_deadline;
	int sigpipe[2];
};

extern struct master M;


/* procs.c: worker processes */
int procs_start(void);
void procs_reap(void);
void procs_respawn_due(void);
void procs_kill(struct slot *s);
int procs_send(struct slot *s, uint16_t type, uint32_t id, const char *json);
void procs_io(struct slot *s, short revents);
void procs_stop_all(int grace_ms);
void procs_signals_install(void);

/* pool.c: per-language inventory of ready containers, and containers to remove */
struct pool *pool_find(const char *lang);
struct pool *pool_add(const char *lang);
void pool_push(struct pool *p, const char *id, int paused, int waiting);
void pool_drain(struct pool *p);
int pool_available(const struct pool *p);
int pool_take(struct pool *p, char id[72], int *paused);
struct ready_ct *pool_pause_due(long now, long idle_ms);
void pool_pause_done(const char *id, int ok);
void pool_discard(const char *id);
void pool_free_all(void);

/* jobs.c: admission into the queue and every way a job ends */
struct job *jobs_submit(cJSON *spec, const char *lang, struct MHD_Connection *conn, int *http, char **body);
void jobs_unlink(struct job *prev, struct job *j);
void jobs_requeue(struct job *j); /* back to the head of the queue */
void jobs_finish(struct job *j, int http, char *body);
long jobs_deadline_ms(const cJSON *spec, const struct config *c); /* dispatch to forced end */
void jobs_expire(void);          /* queue timeouts and running jobs past their deadline */
void jobs_cancel(struct job *j); /* the client is gone: drop it, or tell its worker */
void jobs_drop_queue(int http, const char *msg);
void jobs_abort_running(const char *msg);

/* sched.c: scheduling of workers */
int sched_init(void);
void sched_reconfigure(void);
void sched_kick(void);
void sched_message(struct slot *s, uint16_t type, uint32_t id, const char *payload, size_t len);
void sched_slot_died(struct slot *s);
void sched_timers(void);
int sched_pools_full(void);
cJSON *sched_health(void);
void sched_free(void);

/* http.c: the REST front */
int http_start(void);
void http_stop_accepting(void);
void http_stop(void);
int http_poll_fd(void);
int http_timeout_ms(void);
void http_run(void);
void http_resume(struct job *j);
void http_sweep_gone(void);

#endif
