/*
 * job.h - one execution end to end inside a worker: take the paused container, unpause it,
 * attach to its helper, hand the helper the files, commands and limits, collect compile and run
 * results (one run per judge test), and build the JSON answer the master returns.
 */
#ifndef EXECUTIONER_JOB_H
#define EXECUTIONER_JOB_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "docker.h"
#include "session.h"

/* Runs the job described by spec (the master's normalized JSON). Returns the HTTP status and
 * sets *body (malloc'd JSON) and *st (what the master counts in its metrics). While it waits for
 * the helper it also watches watch (NULL: nothing), which may cancel the job. */
struct job_stats {
	char status[40];
	double compile_s, run_s; /* compile_s < 0: no compile step */
	int ended;               /* the helper was told to end: an attach-mode container removes
				  * itself */
	int gone;                /* the container did not exist: nothing ran, the job may run
				  * again */
	struct session *keep;    /* pool.max_uses > 1 and the job ended clean: the helper is
				  * still attached, to be reset (reuse.h); NULL otherwise */
	int limits_changed;      /* the job changed the container's memory/CPU limits */
};
int job_run(struct docker *d, const cJSON *spec, const struct session_watch *watch, char **body,
	    struct job_stats *st);


#endif
