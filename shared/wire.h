/*
 * wire.h - the one framing used between master and workers and between a worker and the
 * in-container helper: a fixed 16-byte header {type, flags, len, id, gen} in network byte order,
 * then len payload bytes, with a hard cap checked on both sides (cf. OpenBSD imsg).
 * Helper payloads are TLV fields {u32 tag, u32 len, bytes}; master<->worker payloads are JSON text.
 */
#ifndef EXECUTIONER_WIRE_H
#define EXECUTIONER_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define WIRE_HDR_LEN 16
#define WIRE_MAX_PAYLOAD (64u << 20) /* absolute ceiling; callers pass smaller caps */

struct wire_hdr {
	uint16_t type;
	uint16_t flags;
	uint32_t len; /* payload bytes after the header */
	uint32_t id;  /* job id */
	uint32_t gen; /* sender's generation (worker slot incarnation) */
};

/* Master <-> worker message types. */
enum {
	MSG_JOB = 1,    /* m->w: {"container":..., "lang":{...}, "request":{...}} */
	MSG_FILL,       /* m->w: {"lang":..., "image":..., limits...}: create+start one container (+pause if "pause") */
	MSG_REMOVE,     /* m->w: {"container": id}: remove a container (e.g. one a dead worker held) */
	MSG_CLEANUP,    /* m->w: remove every container of this instance */
	MSG_PING,       /* m->w: check the engine */
	MSG_SHUTDOWN,   /* m->w: exit */
	MSG_PAUSE,      /* m->w: {"container": id}: pause a ready container left idle; IDLE flags 1 = failed */
	MSG_CANCEL,     /* m->w: (no payload) the client of job `id` is gone: stop it, answer at once */
	MSG_RESULT = 32, /* w->m: {"http":200,"body":{...},"status":"ok",...} */
	MSG_READY,      /* w->m: {"lang":..., "container":...} */
	MSG_FAILED,     /* w->m: {"lang":..., "error":...}: a FILL failed */
	MSG_IDLE,       /* w->m: the worker finished its work and takes a new one */
	MSG_PONG,       /* w->m: {"engine": true|false, "error":...} */
	MSG_STATS,      /* w->m: counters for /metrics (see metrics.c) */
	MSG_RETRY,      /* w->m: job `id` did not start: its container was gone (run it again) */
};

/* Worker <-> helper message types. */
enum {
	H_SETUP = 64, /* w->h: files, argv, env, limits */
	H_RUN,        /* w->h: one run, with its stdin */
	H_END,        /* w->h: kill everything and exit */
	H_STEP,       /* h->w: the result of a compile step or a run */
	H_FATAL,      /* h->w: the helper could not do what was asked; T_ERROR says why */
};

/* TLV tags in helper payloads. Integers are 8-byte big-endian. */
enum {
	T_FILE_NAME = 1, T_FILE_DATA, T_COMPILE_ARG, T_RUN_ARG, T_ENV,
	T_COMPILE_WALL_MS, T_COMPILE_CPU_MS, T_COMPILE_MEM_KB,
	T_RUN_WALL_MS, T_RUN_CPU_MS, T_RUN_MEM_KB,
	T_OUTPUT_MAX, T_FSIZE_MAX, T_NOFILE, T_STACK_KB,
	T_STDIN = 20, T_EXTRA_ARG,
	T_RUN_UID = 30, T_RUN_GID, /* H_SETUP: the uid/gid programs run as (the helper runs as root
	                            * with only SETUID/SETGID/KILL, so the program cannot touch it) */
	T_KIND = 40, /* H_STEP: 0 compile, 1 run */
	T_EXIT, T_SIGNAL, T_WALL_US, T_CPU_US, T_MAXRSS_KB, T_STDOUT, T_STDERR, T_FLAGS, T_ERROR,
};

/* H_STEP T_FLAGS bits. */
enum {
	SF_WALL_TIMEOUT = 1, SF_CPU_TIMEOUT = 2, SF_OOM = 4, SF_STDOUT_CAP = 8, SF_STDERR_CAP = 16,
	SF_SPAWN_FAILED = 32, SF_MEM_OVER = 64,
};

struct wire_field {
	uint32_t tag;
	uint32_t len;
	const uint8_t *data;
};

/* Encoding: begin a message in b (appends a header), add fields, end (patches len). */
int wire_begin(struct buf *b, uint16_t type, uint32_t id, uint32_t gen);
int wire_put(struct buf *b, uint32_t tag, const void *p, size_t n);
int wire_put_str(struct buf *b, uint32_t tag, const char *s);
int wire_put_u64(struct buf *b, uint32_t tag, uint64_t v);
int wire_end(struct buf *b, size_t start); /* start: b->len before wire_begin */
/* A whole message with a raw payload (e.g. JSON text). */
int wire_pack(struct buf *b, uint16_t type, uint32_t id, uint32_t gen, const void *p, size_t n);

/* Decoding. wire_hdr_decode checks len against max; returns 0 or -1. */
int wire_hdr_decode(const uint8_t *p, struct wire_hdr *h, uint32_t max);
/* Iterates fields: returns 1 with *f filled, 0 at the end, -1 on a malformed payload. */
int wire_next(const uint8_t **p, const uint8_t *end, struct wire_field *f);
uint64_t wire_u64(const struct wire_field *f); /* 0 unless len == 8 */
/* Copies a field into a fresh NUL-terminated string (NULL on ENOMEM). */
char *wire_strdup(const struct wire_field *f);

/* If b starts with a complete message, sets *h and *payload and returns its total length;
 * returns 0 when more bytes are needed, -1 when the header is bad or over max. */
long wire_peek(const struct buf *b, struct wire_hdr *h, const uint8_t **payload, uint32_t max);

/* Blocking I/O on a socket or pipe (EINTR-safe). */
int wire_write_all(int fd, const void *p, size_t n);
/* Reads one whole message into b (replacing its contents: header then payload). 0, or -1 on
 * EOF/error/oversize; with timeout_ms >= 0 gives up after that long (errno ETIMEDOUT). */
int wire_read_msg(int fd, struct buf *b, struct wire_hdr *h, uint32_t max, int timeout_ms);

#endif
