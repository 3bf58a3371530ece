/*
 * session.h - one conversation with the in-container helper over the container's attached
 * stdio: framed messages out on stdin, framed messages back demultiplexed from stdout, with a
 * deadline on every read. The program's output only ever travels as payload inside frames.
 */
#ifndef EXECUTIONER_SESSION_H
#define EXECUTIONER_SESSION_H

#include <cjson/cJSON.h>

#include "docker.h"
#include "judge.h"
#include "wire.h"

/* Something else to watch while waiting for the helper (the master's socket): when fd becomes
 * readable, check(arg) says whether to give up (1: the job is cancelled). */
struct session_watch {
	int fd;
	int (*check)(void *arg);
	void *arg;
	/* a streamed run's H_CHUNK (tag T_STDOUT or T_STDERR); NULL: chunks are dropped */
	void (*chunk)(void *arg, uint32_t tag, const uint8_t *p, size_t n);
};

struct session {
	struct docker_stream st;
	struct docker_demux dm;
	struct buf out;     /* helper's stdout: protocol bytes not yet consumed */
	struct buf err;     /* helper's stderr: diagnostics */
	size_t consumed;    /* bytes of out to drop before the next message */
	const struct session_watch *watch; /* NULL: none */
	int cancelled;      /* session_recv gave up because watch said so */
	char error[256];
};

/* Reaches the helper: attaches to the container's stdio ("attach": the helper is its main
 * process), or execs a new helper in it ("exec"). 0 or -1 (d holds the engine's error). */
int session_open(struct session *s, struct docker *d, const char *container,
		 const char *transport);
int session_send(struct session *s, const struct buf *msg, int timeout_ms);
/* Receives one message; its payload stays valid until the next call. -1 on EOF, timeout or a
 * malformed stream, with s->error set. */
int session_recv(struct session *s, struct wire_hdr *h, const uint8_t **payload, int timeout_ms);
void session_close(struct session *s);

#define SESSION_IO_MS 10000 /* writing one message to the helper */

/* Sends H_RUN: the run's stdin and its extra arguments (args: a JSON array of strings, or
 * NULL). 0, or -1 with s->error set. */
int session_send_run(struct session *s, const char *in, const cJSON *args, int stream);
/* Receives the H_STEP of a step of the given kind (STEP_COMPILE or STEP_RUN) into st, whose
 * output bufs get cap max (the caller frees them). An H_FATAL, another message or an H_STEP
 * that lacks a required field or is of another kind: -1 with s->error set (and logged). */
int session_recv_step(struct session *s, int kind, struct step *st, size_t max, int timeout_ms);

/* Decodes an H_STEP payload into st (whose bufs are initialised with cap max, also on
 * failure). 0, or -1 when it is malformed, repeats a field or lacks a required one. */
int session_step_decode(const uint8_t *p, size_t n, struct step *st, size_t max);

#endif
