/*
 * docker_priv.h - internals shared by docker.c (the request/response calls), docker_list.c
 * (listings) and docker_stream.c (the hijacked streams): the handle itself, the JSON call, and
 * the helpers that fill its struct docker_error. Not for use outside those files.
 */
#ifndef EXECUTIONER_DOCKER_PRIV_H
#define EXECUTIONER_DOCKER_PRIV_H

#include <curl/curl.h>

#include "docker.h"

#define DOCKER_CONNECT_MAX_MS 5000L /* connect timeout ceiling (a unix socket connects at once) */

struct docker {
	CURL *curl;       /* reused across calls: the engine connection stays alive */
	char *sock;       /* path of the engine's unix socket */
	char *prefix;     /* "/v1.41" (or "" for an unversioned API) */
	long timeout_ms;  /* default per call */
	struct docker_error err;
	char errbuf[CURL_ERROR_SIZE];
};

/* Fills d->err (kind, http, formatted msg) and logs it with the request it belongs to; -1. */
int docker_fail(struct docker *d, enum docker_errkind kind, int http, const char *method,
		 const char *path, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* An error status: msg is the body's JSON "message", or the body trimmed, or "HTTP <status>". */
void docker_http_error(struct docker *d, long status, const char *body, size_t len,
		       const char *method, const char *path);
/* Clears d->err before a call that may fail before reaching the engine. */
void docker_reset_error(struct docker *d);
/* A call with an optional JSON body whose 2xx/304 answer is parsed into *out (when out):
 * 0, or -1 with d->err set. */
int docker_call_json(struct docker *d, const char *method, const char *path, const cJSON *spec,
		     cJSON **out);
/* A failed curl transfer on handle c (rc), as a DOCKER_E_TRANSPORT error with a clear message
 * (docker.c; docker_stream.c uses it for the hijacked connections). */
void docker_transport_error(struct docker *d, CURL *c, CURLcode rc, const char *errbuf,
			    const char *method, const char *path, long timeout_ms);
/* "/<coll>/<url-escaped id><rest>" as a malloc'd string, or NULL with the error set. */
char *docker_obj_path(struct docker *d, const char *coll, const char *id, const char *rest);

#endif
