/*
 * sched_spec.h - the messages' JSON that the scheduler (sched.c) sends a worker to run a job or
 * to fill a pool (sched_spec.c); owner is the service's owner id that labels the containers.
 */
#ifndef EXECUTIONER_SCHED_SPEC_H
#define EXECUTIONER_SCHED_SPEC_H

#include "config.h"
#include "jobs.h"

/* The spec as the worker gets it (MSG_JOB): j's request, updated in place, plus container id
 * (paused or not), its transport and the jobs it served before (uses). NULL when out of memory. */
char *sched_spec_job(const struct config *c, const char *owner, struct job *j, const char *id,
		     int paused, const char *transport, int uses);
/* A fill's container spec (MSG_FILL) for language g, to wait paused or not. NULL: out of memory. */
char *sched_spec_fill(const struct config *c, const char *owner, const struct lang *g,
		      int pause);

#endif
