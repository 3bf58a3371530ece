/*
 * docker.h - a small Docker Engine API client: libcurl over the engine's unix socket, cJSON
 * bodies, a versioned path, one reusable handle per process, a timeout on every call, and
 * typed errors carrying the engine's own message. Also the hijacked (upgraded) streams of
 * attach and exec start (their stdout/stderr framing is decoded by docker_demux.h).
 */
#ifndef EXECUTIONER_DOCKER_H
#define EXECUTIONER_DOCKER_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "docker_demux.h"

enum docker_errkind {
	DOCKER_OK = 0,
	DOCKER_E_TRANSPORT, /* engine unreachable, connection reset, timeout */
	DOCKER_E_HTTP,      /* the engine answered with an error status; msg is its message */
	DOCKER_E_PROTO,     /* an answer we could not understand */
	DOCKER_E_LIMIT,     /* a response over our cap */
};

struct docker_error {
	enum docker_errkind kind;
	int http;      /* HTTP status when kind == DOCKER_E_HTTP (e.g. 404, 409) */
	char msg[512]; /* the engine's "message", or what went wrong */
};

struct docker; /* opaque */

/* sock: path of the engine's unix socket; api: e.g. "v1.41"; timeout_ms: default per call. */
struct docker *docker_open(const char *sock, const char *api, long timeout_ms);
void docker_close(struct docker *d);
const struct docker_error *docker_last_error(const struct docker *d);

/* A raw call: method, path below the API prefix (e.g. "/containers/json"), optional JSON body.
 * Returns the HTTP status (2xx) with the body in out (may be NULL), or -1 with the error set
 * (an HTTP status >= 400 is an error of kind DOCKER_E_HTTP). timeout_ms <= 0: the default. */
int docker_call(struct docker *d, const char *method, const char *path, const char *body,
		struct buf *out, long timeout_ms);

int docker_ping(struct docker *d);
int docker_version(struct docker *d, char *out, size_t outlen); /* engine version string */
int docker_image_inspect(struct docker *d, const char *image, cJSON **out); /* out may be NULL */
int docker_image_pull(struct docker *d, const char *image, long timeout_ms);

/* Container lifecycle. id buffers are at least 65 bytes. */
int docker_create(struct docker *d, const char *name, const cJSON *spec, char id[65]);
int docker_start(struct docker *d, const char *id);
int docker_pause(struct docker *d, const char *id);
int docker_unpause(struct docker *d, const char *id);
int docker_kill(struct docker *d, const char *id, const char *signal);
int docker_remove(struct docker *d, const char *id, int force);
int docker_inspect(struct docker *d, const char *id, cJSON **out);
int docker_update(struct docker *d, const char *id, const cJSON *spec);
/* Lists containers (all states) whose labels match label ("key=value"); *ids is a malloc'd
 * array of malloc'd strings (free with docker_free_list); with vals, *vals (same length, freed
 * likewise) holds the value of label key on each ("" if none). */
int docker_list_labelled(struct docker *d, const char *label, const char *key, char ***ids,
			 char ***vals, size_t *n);
/* The same without label values (docker_list.c, like docker_list_labelled). */
int docker_list(struct docker *d, const char *label, char ***ids, size_t *n);
void docker_free_list(char **ids, size_t n);

/* Exec. */
int docker_exec_create(struct docker *d, const char *id, const cJSON *spec, char eid[65]);
int docker_exec_inspect(struct docker *d, const char *eid, int *exit_code, int *running);

/* A hijacked duplex stream (after HTTP 101 UPGRADED). Bytes the engine sent together with its
 * response headers are kept in pending and handed out first by docker_stream_read. */
struct docker_stream {
	void *curl;      /* the CONNECT_ONLY handle that owns the socket */
	int fd;
	struct buf pending;
};

int docker_attach(struct docker *d, const char *id, struct docker_stream *s);
int docker_exec_start(struct docker *d, const char *eid, struct docker_stream *s);
/* Writes all n bytes, waiting at most timeout_ms in total; 0 or -1. */
int docker_stream_write(struct docker_stream *s, const void *p, size_t n, int timeout_ms);
/* Reads what is available, waiting at most timeout_ms: > 0 bytes, 0 on EOF, -1 on error or
 * timeout (errno ETIMEDOUT). */
long docker_stream_read(struct docker_stream *s, void *p, size_t n, int timeout_ms);
int docker_stream_close_write(struct docker_stream *s); /* shutdown(SHUT_WR): EOF on stdin */
void docker_stream_close(struct docker_stream *s);

#endif
