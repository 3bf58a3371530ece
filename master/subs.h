/*
 * subs.h - asynchronous submissions (POST/GET/DELETE /submissions): validation as for /execute,
 * tokens, owners (a hash of the API key), jobs through the scheduler whose states and results
 * go to the store process, and the re-run of unfinished ones after a restart. Knows no HTTP
 * library: answers go through the caller's callback.
 */
#ifndef EXECUTIONER_SUBS_H
#define EXECUTIONER_SUBS_H

#include <stddef.h>

#include "master.h"
#include "subs_json.h"

/* An answer: body (taken over) and, when set, the submission's token for a header. */
typedef void (*subs_answer_fn)(void *conn, int http, char *body, const char *token);
struct subs_call;

void subs_init(struct master *m);
/* Handles r: 0 when answered at once (*http, *body), or 1 when fn(conn, ...) will answer later,
 * exactly once, unless subs_forget(*call) is called first (the client went away). */
int subs_handle(const struct subs_req *r, subs_answer_fn fn, void *conn, struct subs_call **call,
		int *http, char **body);
void subs_forget(struct subs_call *call);
/* The store is ready (store_up_fn): the first time, unfinished submissions are run again. */
void subs_store_up(int first);
void subs_timers(void);

#endif
