/*
 * callbacks.h - the master's side of the callbacks process (cb_main.c): checks a callback
 * destination and hands deliveries over without ever waiting. Any caller (POST /submissions,
 * a Judge0 front) chooses the URL, the method and the body; the process signs and delivers it.
 */
#ifndef EXECUTIONER_CALLBACKS_H
#define EXECUTIONER_CALLBACKS_H

#include <stddef.h>
#include <stdint.h>

#include "master.h"

/* The check's outcome: http 0 allowed, 400 refused (why names callback_url), 503 the check
 * could not be made (why says why). */
typedef void (*callbacks_check_fn)(void *arg, int http, const char *why);

/* Forks the callbacks process (procs_add). 0, or -1. */
int callbacks_start(struct master *m);
/* May a callback go to url? 0 yes, now; -1 no (400: why, a sentence naming callback_url,
 * or 503 when the process is down: *http tells); 1 the host must be resolved: fn(arg, ...) is
 * called later, exactly once, unless callbacks_forget(*id). */
int callbacks_check(const char *url, callbacks_check_fn fn, void *arg, uint32_t *id, int *http,
		    char *why, size_t n);
void callbacks_forget(uint32_t id);
/* Delivers len bytes of body to url with method (e.g. "POST", "PUT"), in the background, with
 * callbacks.* retries, timeout and signature; the outcome is logged and counted in /metrics.
 * Kept until delivered and sent again if the process dies. 0, or -1 (refused: over the body
 * cap or too many in progress; logged and counted as failed). */
int callbacks_send(const char *url, const char *method, const char *body, size_t len);
/* Checks unanswered for too long fail. */
void callbacks_timers(void);
/* After procs_stop_all: the checks still waiting fail, what is undelivered is dropped. */
void callbacks_stop(void);

#endif
