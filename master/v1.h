/*
 * v1.h - seed 002's API ("Code Execution Engine": GET /v1/spec, POST /v1/exec) as a translation
 * layer over the native one: its requests become native jobs, native answers take its shape.
 * Also GET /languages and the OpenAPI document of every endpoint, embedded at build time
 * (master/openapi.json).
 */
#ifndef EXECUTIONER_V1_H
#define EXECUTIONER_V1_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "master.h"
#include "request.h"

/* GET /languages: [{id, name, version, compiled, image, file}], the version the image's own
 * when its pool reported one. */
cJSON *v1_languages(const struct master *m);

/* GET /v1/spec: an object keyed by language id, each with its image, file name, compile and run
 * commands and version (the image's own when its pool reported one). */
cJSON *v1_spec(const struct master *m);

/* POST /v1/exec: checks a seed-shaped body ({language, code, stdin?, args?, timeout?}) and builds
 * the native job, as request_parse() does. Returns 0, or -1 with *e naming the field. */
int v1_parse(const char *body, size_t len, const struct config *c, cJSON **job,
	     struct req_error *e);

/* Rewrites a finished job's native answer (j->http, j->body) in the seed's shape; error bodies
 * that carry no result ({"error"}) are left as they are. */
void v1_render(struct job *j);

/* The completion callback of a /v1/exec job: v1_render, then the connection conn resumes. */
void v1_done(struct job *j, void *conn);

/* The OpenAPI 3.1 document (malloc'd, NUL-terminated), or NULL on ENOMEM. */
char *v1_openapi(void);

#endif
