/*
 * subs_json.h - the pure parts of the submissions API (subs.c): query checks, the JSON of
 * answers made from the store's replies, stored results cut to their cap, timestamps.
 */
#ifndef EXECUTIONER_SUBS_JSON_H
#define EXECUTIONER_SUBS_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "config.h"

/* A request to /submissions (subs.c), as the HTTP front read it. */
struct subs_req {
	const char *method;
	const char *token;           /* /submissions/{token}; NULL for /submissions */
	const char *body;
	size_t len;
	const char *key;             /* the API key the client gave, NULL when none */
	const char *wait, *limit, *cursor, *language, *status, *since; /* query, NULL if absent */
};

int64_t subs_now_ms(void); /* Unix time, ms */
/* The GET /submissions query as a MSG_ST_LIST request (asking for limit + 1 rows), or NULL
 * with a 400 in *http and *body. */
cJSON *subs_list_query(const struct subs_req *r, const struct config *c, const char *owner,
		       int *limit, int *http, char **body);
/* The HTTP answer to a store reply (NULL: the store did not answer, why says why). */
char *subs_render_reply(const cJSON *reply, const char *why, int list_limit, int *http);
/* A store row ({"token", "status", "lang", "created_ms", "updated_ms", "attempts", "http",
 * "result"}) as GET /submissions/{token} shows it (also a callback's body). malloc'd. */
char *subs_render_row(const cJSON *row);
/* A result's JSON within cap bytes: as it is when it fits, else its outputs (stdout, stderr,
 * compile_output, and those of each test) cut and "stored_output_truncated" set; else a stub
 * with its status (small, even under a tiny cap). malloc'd (NULL on ENOMEM). */
char *subs_clip_result(const char *body, size_t cap);

#endif
