/*
 * owner.h - which running service owns a container: each master draws a random owner id at start
 * and holds an flock on <state_dir>/<instance>.<owner>.lock for its life; containers carry the id
 * as a label, so a service removes only the containers of owners proven gone (lock free or absent).
 */
#ifndef EXECUTIONER_OWNER_H
#define EXECUTIONER_OWNER_H

#define OWNER_LABEL "executioner.owner"
#define OWNER_ID_LEN 17 /* 16 hex digits and the NUL */

/* Draws an id into out and takes its lock (kept until exit). 0, or -1 logged. */
int owner_claim(const char *state_dir, const char *instance, char out[OWNER_ID_LEN]);
/* Removes this service's lock file (at a clean stop). */
void owner_release(void);
/* 1 while the service with this id runs (its lock is held), 0 when it is gone (its lock file is
 * then removed). An id that is not ours in form counts as gone. */
int owner_alive(const char *state_dir, const char *instance, const char *id);

#endif
