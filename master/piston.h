/*
 * piston.h - Piston's v2 API (GET /api/v2/runtimes, POST /api/v2/execute) as a translation layer
 * over the native one: an execute request becomes a native job (request_parse), run through the
 * normal queue, and its native answer is rewritten in Piston's shape and units.
 */
#ifndef EXECUTIONER_PISTON_H
#define EXECUTIONER_PISTON_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "master.h"
#include "request.h"

#define PISTON_EXECUTE "/api/v2/execute"

/* Is (url, method) one of Piston's routes? Other paths under /api/v2 answer piston_not_found(). */
int piston_path(const char *url);
int piston_route_known(const char *url, const char *method);

/* GET /api/v2/runtimes: [{language, version, aliases, runtime?}], one per configured language,
 * the version being its image's toolchain's in semver form. */
cJSON *piston_runtimes(const struct master *m);

/* POST /api/v2/execute: checks a Piston body and builds the native job, as request_parse() does.
 * Returns 0, or -1 with *e set (e->msg is Piston's message). */
int piston_parse(const struct master *m, const char *body, size_t len, cJSON **job,
		 struct req_error *e);

/* {"message": e->msg} (malloc'd). */
char *piston_error_json(const struct req_error *e);

/* A native error body ({"error": ...}, taken over) as Piston's {"message": ...}. */
char *piston_error_body(char *native);

/* {"message": "Not Found"} (malloc'd), Piston's answer for an unknown path. */
char *piston_not_found(void);

/* Rewrites a finished job's native answer in Piston's shape (language, version, run, compile). */
void piston_render(struct job *j);

/* The completion callback of a /api/v2/execute job: piston_render, then conn resumes. */
void piston_done(struct job *j, void *conn);

#endif
