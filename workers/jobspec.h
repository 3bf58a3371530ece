/*
 * jobspec.h - a job's spec as the helper's H_SETUP message (see jobspec.c).
 */
#ifndef EXECUTIONER_JOBSPEC_H
#define EXECUTIONER_JOBSPEC_H

#include <cjson/cJSON.h>

#include "buf.h"

/* The uid a job runs as: SANDBOX_ID for a fresh container, then one more per job the container
 * served before (spec "uses"), so no two jobs of a container share a uid. */
int jobspec_run_uid(const cJSON *spec);

/* Appends the H_SETUP message for spec to msg. 0 or -1 (out of memory, bad base64: logged). */
int jobspec_setup_msg(const cJSON *spec, struct buf *msg);

#endif
