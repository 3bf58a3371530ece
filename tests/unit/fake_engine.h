/*
 * fake_engine.h - a tiny scripted stand-in for the Docker engine in unit tests: a thread serving
 * a unix socket in a temp dir that answers each HTTP/1.1 request with the next scripted step
 * (a reply, raw bytes, silence, or an early close) and records what it was sent.
 */
#ifndef EXECUTIONER_FAKE_ENGINE_H
#define EXECUTIONER_FAKE_ENGINE_H

#include <stddef.h>

enum fake_kind {
	FAKE_REPLY,  /* status + body with Content-Length; the connection stays open */
	FAKE_RAW,    /* raw bytes; then if hijack: read the client's bytes until EOF, send raw2,
		      * close */
	FAKE_SILENT, /* never answers; closed once the client closes */
	FAKE_CLOSE,  /* closes the connection without a word */
};

struct fake_step {
	enum fake_kind kind;
	int status;           /* FAKE_REPLY */
	const char *body;     /* FAKE_REPLY; NULL: empty */
	size_t body_len;      /* FAKE_REPLY; 0: strlen(body) */
	const void *raw;      /* FAKE_RAW */
	size_t raw_len;
	int hijack;           /* FAKE_RAW */
	const void *raw2;     /* FAKE_RAW with hijack: sent after the client's EOF */
	size_t raw2_len;
};

struct fake_engine;

/* Steps are used in request order (copied; the bytes they point to must outlive the engine).
 * Requests past the script get a 500. NULL on failure. */
struct fake_engine *fake_engine_start(const struct fake_step *steps, size_t n);
void fake_engine_stop(struct fake_engine *fe);
const char *fake_engine_sock(const struct fake_engine *fe);
size_t fake_engine_nreq(struct fake_engine *fe);
size_t fake_engine_nconn(struct fake_engine *fe); /* connections accepted so far */
/* The i-th request's head (request line and headers) and body, NUL-terminated; NULL if none. */
const char *fake_engine_head(struct fake_engine *fe, size_t i);
const char *fake_engine_body(struct fake_engine *fe, size_t i);
/* Bytes the client sent on a hijacked connection (until its EOF). */
const char *fake_engine_stdin(struct fake_engine *fe, size_t *len);

#endif
