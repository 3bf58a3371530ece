/*
 * scheduler.h - the API of sched.c (not "sched.h": -Imaster would shadow the system <sched.h>).
 * The master's scheduler: jobs to idle workers, pool refills, pauses, removals and
 * cleanups; worker events arrive through sched_procs_cb (given to procs_start). It never calls
 * the Docker engine nor the HTTP front: a job's end reaches its client by its callback.
 */
#ifndef EXECUTIONER_SCHEDULER_H
#define EXECUTIONER_SCHEDULER_H

#include "master.h"
#include "procs.h"

/* The callback table for procs_start: worker messages, starts and deaths. */
extern const struct procs_cb sched_procs_cb;

/* Takes m (which must outlive the scheduler): one slot per configured worker, pools per the
 * config. 0, or -1 when out of memory. */
int sched_init(struct master *m);
void sched_reconfigure(void); /* after a SIGHUP: pools follow the new config */
/* Admits a job (see jobs_submit); refused while stopping. Kick afterwards to dispatch it. */
struct job *sched_submit(cJSON *spec, const char *lang, job_done_fn done, void *arg, int *http,
			 char **body);
/* The client is gone: the queued job is dropped, a running one is told to stop. */
void sched_cancel(struct job *j);
void sched_kick(void);    /* gives every idle worker something to do, if there is any */
void sched_timers(void);  /* queue timeouts, running jobs past their deadline, readiness */
/* Ends every running job with a 503 and kills its worker (the stop's drain timed out). */
void sched_abort_running(const char *msg);
int sched_pools_full(void); /* 1 when every pool is at its target and the cleanup is done */
int sched_busy(void);       /* workers doing a task */
void sched_free(void);

#endif
