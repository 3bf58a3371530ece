/*
 * store_proc.h - the master's side of the store process: forks it through procs.c, sends it
 * requests (wire.h, MSG_ST_*) without ever waiting, and hands each reply, matched by id, to the
 * requester's callback. Updates of a job's state are kept until the store has them.
 */
#ifndef EXECUTIONER_STORE_PROC_H
#define EXECUTIONER_STORE_PROC_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "master.h"

/* The reply to a request: the store's JSON object (borrowed for the call, {"ok": true, ...}),
 * or NULL with why when the store could not answer (down, died, or too slow). */
typedef void (*store_reply_fn)(void *arg, const cJSON *reply, const char *why);
/* The store process is ready (its database open): up is 1, and first is 1 the first time. */
typedef void (*store_up_fn)(int first);

/* Forks the store process; m->store_* show its state. 0, or -1. on_up may be NULL. */
int store_proc_start(struct master *m, store_up_fn on_up);
int store_proc_up(void);
/* Sends request type with payload q (taken over). fn(arg, ...) is called exactly once, later,
 * unless store_proc_forget(id). Returns the request's id, or 0 when the store is down (fn is
 * then not called; *why, if given, says why). */
uint32_t store_proc_request(uint16_t type, cJSON *q, store_reply_fn fn, void *arg,
			    const char **why);
void store_proc_forget(uint32_t id);
/* A job's state change (MSG_ST_START, MSG_ST_FINISH; q taken over): kept, in order, until the
 * store acknowledges it, and sent again after the store process is respawned. */
void store_proc_update(uint16_t type, cJSON *q);
/* Requests unanswered for too long fail (their callbacks get NULL). */
void store_proc_timers(void);
/* After procs_stop_all: every request still waiting fails (its callback gets NULL), so that no
 * client stays suspended, and the list is freed. */
void store_proc_stop(void);

#endif
