/*
 * judge0_json.h - the pure JSON side of the Judge0 CE drop-in (judge0.c): a Judge0 submission
 * checked and turned into a native request body (its Judge0-only settings kept in a "judge0"
 * member), the native job spec adjusted from that member, and a submission rendered in
 * Judge0's shape from the stored request and the native result.
 */
#ifndef EXECUTIONER_JUDGE0_JSON_H
#define EXECUTIONER_JUDGE0_JSON_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "config.h"
#include "request.h"

/* A Judge0 submission s (a parsed JSON object; base64: its texts are Base64) as a native request
 * body (malloc'd), or NULL with *errors set to Judge0's 422 answer {field: [message]}. */
char *judge0_to_native(const cJSON *s, int base64, const struct config *c, cJSON **errors);
/* Adjusts the native spec of a request body (len bytes) made by judge0_to_native (stack, file size,
 * compiler options); a body without a "judge0" member is left alone. 0, or -1 with *e set. */
int judge0_patch_spec(const char *body, size_t len, cJSON *spec, struct req_error *e);
/* What judge0_render needs of a submission. */
struct judge0_sub {
	const char *token;		      /* NULL: not stored (wait=true without the store) */
	const cJSON *request;		      /* the native request body, parsed */
	const cJSON *result;		      /* the native answer, or NULL while it runs */
	int http;			      /* the native answer's HTTP status */
	int running;			      /* no result yet: 1 running, 0 queued */
	const char *created_at, *finished_at; /* ISO 8601, or NULL */
	const char *language_name;	      /* Judge0's name with our version, "C (GCC 12.2.0)" */
};
/* The submission in Judge0's shape with the given fields (a JSON array of names). */
cJSON *judge0_render(const struct judge0_sub *s, const cJSON *fields, int base64);
/* The PUT Judge0 sends to a submission's callback_url once it has ended: its default fields,
 * Base64-encoded (isolate_job.rb call_callback). NULL when the request (a native body) has no
 * callback_url; else the body (malloc'd) and, in url, the URL (pointing into scratch, which the
 * caller frees with cJSON_Delete). */
char *judge0_callback_body(const char *request, const char *token, int http, const char *result,
			   const char **url, cJSON **scratch);
/* A native 400/413 error (field, message) as Judge0's 422 {field: [message]}, field renamed. */
cJSON *judge0_error_422(const struct req_error *e);

#endif
