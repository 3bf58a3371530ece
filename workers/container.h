/*
 * container.h - a worker's side of the pool: create a hardened container for a language, start
 * it and pause it (MSG_FILL), remove one, and remove every container of this instance.
 */
#ifndef EXECUTIONER_CONTAINER_H
#define EXECUTIONER_CONTAINER_H

#include <cjson/cJSON.h>

#include "config.h"
#include "docker.h"

#define LABEL_KEY "executioner.instance"
#define HELPER_PATH "/usr/local/bin/executioner-helper"
#define SANDBOX_UID "10001" /* programs run as this uid and gid */
#define SANDBOX_ID 10001
#define SANDBOX_UIDS 999 /* a reused container's jobs run as 10001..10999 (job.c) */

/* Builds the create body for a fill spec (see sched_spec_fill); seccomp is the profile's JSON
 * text (config.seccomp, read at start) or NULL for the engine's default. Caller frees; NULL on
 * ENOMEM. */
cJSON *container_spec(const cJSON *fill, const char *instance, const char *seccomp);
/* Creates, starts and (if asked) pauses a container; id gets its id. 0 or -1 (error in d). */
int container_fill(struct docker *d, const cJSON *fill, const char *instance, const char *seccomp,
		   char id[65]);
/* The image's "executioner.version" label into out ("" if none). */
void container_image_version(struct docker *d, const char *image, char *out, size_t n);
/* Removes a container, treating "no such container" as done. */
int container_remove(struct docker *d, const char *id);
/* Removes the containers of this instance whose owner is gone (and those of owner self too when
 * mine_too); returns how many, or -1. */
int container_cleanup(struct docker *d, const struct config *c, const char *self, int mine_too);

#endif
