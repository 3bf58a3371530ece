/*
 * request.h - turns an untrusted POST /execute body into the normalized job the master hands a
 * worker: every field checked (type, range, size) against the config, defaults filled in, and a
 * precise 4xx error (status, message, offending field) for anything wrong. Pure code, unit-tested.
 */
#ifndef EXECUTIONER_REQUEST_H
#define EXECUTIONER_REQUEST_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "config.h"

struct req_error {
	int http;          /* 400, 413, ... */
	char field[64];    /* offending field, "" when none */
	char msg[512];
};

/* Parses body (len bytes, not necessarily NUL-terminated) into *job: a cJSON object with the
 * language spec, source, stdin, args, resolved limits and tests. Returns 0, or -1 with *e set. */
int request_parse(const char *body, size_t len, const struct config *c, cJSON **job,
		  struct req_error *e);

/* {"error": msg, "field": field} as a JSON string (malloc'd). */
char *request_error_json(const struct req_error *e);
/* The language id of a parsed job (request_parse's *job): "" when it has none. */
const char *request_lang_id(const cJSON *job);

#endif
