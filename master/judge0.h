/*
 * judge0.h - the Judge0 CE API drop-in under judge0.prefix: submissions (one, batches, wait=true)
 * through the submission store (subs.c) or, when waiting without the store, straight through
 * the scheduler; languages, statuses, about. Knows no HTTP library: answers go through the
 * caller's callback, like subs.h.
 */
#ifndef EXECUTIONER_JUDGE0_H
#define EXECUTIONER_JUDGE0_H

#include <stddef.h>

#include "master.h"
#include "subs.h"

struct judge0_req {
	const char *method, *path; /* path: after the prefix, e.g. "/submissions/batch" */
	const char *body;
	size_t len;
	const char *key;			     /* the client's API key, NULL when none */
	const char *wait, *base64, *fields, *tokens; /* query, NULL if absent */
};
struct judge0_call;

void judge0_init(struct master *m);
/* Is url under judge0.prefix? *rest gets what follows it ("" or "/..."). */
int judge0_path(const struct config *c, const char *url, const char **rest);
/* The methods a path under the prefix takes (the Allow of a 405). */
const char *judge0_allow(const char *rest);
/* Does the request start executions (for admission's rate of executions)? */
int judge0_executes(const char *method, const char *rest);
/* As subs_handle: 0 when answered at once (*http, *body), 1 when fn(conn, ...) answers later,
 * exactly once, unless judge0_forget(*call) is called first. */
int judge0_handle(const struct judge0_req *r, subs_answer_fn fn, void *conn,
		  struct judge0_call **call, int *http, char **body);
void judge0_forget(struct judge0_call *call);

#endif
