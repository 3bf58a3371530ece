/*
 * problems.h - the stored problems API (POST /problems, GET/PUT/DELETE /problems/{id}): checks
 * packages (problem_pkg.h) and has the store process keep them (store_problems.h). Knows no
 * HTTP library: answers go through the caller's callback, as in subs.h.
 */
#ifndef EXECUTIONER_PROBLEMS_H
#define EXECUTIONER_PROBLEMS_H

#include <stddef.h>

#include "master.h"
#include "subs.h"

struct problems_req {
	const char *method;
	const char *id;              /* /problems/{id}; NULL for /problems */
	const char *body;
	size_t len;
	const char *ctype;           /* Content-Type, NULL when absent */
	const char *qid, *version;   /* ?id= (POST of an archive), ?version= (GET) */
	int too_big;                 /* the body passed problems.max_problem_mb */
};
struct problems_call;

void problems_init(struct master *m);
/* 0 when answered at once (*http, *body), or 1 when fn(conn, ...) answers later, once, unless
 * problems_forget(*call) first. */
int problems_handle(const struct problems_req *r, subs_answer_fn fn, void *conn,
		    struct problems_call **call, int *http, char **body);
void problems_forget(struct problems_call *call);

#endif
