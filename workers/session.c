/*
 * session.c - framed conversation with the in-container helper (see session.h): reaching it,
 * sending H_SETUP / H_RUN, and receiving H_STEP / H_FATAL with their required fields checked.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "container.h"
#include "clock.h"
#include "log.h"
#include "session.h"

#define ERR_MAX (64 * 1024)

static int exec_helper(struct session *s, struct docker *d, const char *container)
{
	char eid[65];
	cJSON *spec = cJSON_CreateObject();
	cJSON *cmd = cJSON_AddArrayToObject(spec, "Cmd");
	cJSON_AddItemToArray(cmd, cJSON_CreateString(HELPER_PATH));
	cJSON_AddBoolToObject(spec, "AttachStdin", 1);
	cJSON_AddBoolToObject(spec, "AttachStdout", 1);
	cJSON_AddBoolToObject(spec, "AttachStderr", 1);
	cJSON_AddBoolToObject(spec, "Tty", 0);
	cJSON_AddStringToObject(spec, "User", "0:0");
	cJSON_AddStringToObject(spec, "WorkingDir", "/work");
	cJSON_AddArrayToObject(spec, "Env");
	int rc = docker_exec_create(d, container, spec, eid);
	cJSON_Delete(spec);
	if (rc < 0)
		return -1;
	return docker_exec_start(d, eid, &s->st);
}

int session_open(struct session *s, struct docker *d, const char *container, const char *transport)
{
	memset(s, 0, sizeof(*s));
	docker_demux_init(&s->dm);
	buf_init(&s->out, (size_t)WIRE_MAX_PAYLOAD + WIRE_HDR_LEN);
	buf_init(&s->err, ERR_MAX);
	s->st.fd = -1;
	if (transport && !strcmp(transport, "exec"))
		return exec_helper(s, d, container);
	return docker_attach(d, container, &s->st);
}

int session_send(struct session *s, const struct buf *msg, int timeout_ms)
{
	if (docker_stream_write(&s->st, msg->data, msg->len, timeout_ms) < 0) {
		log_warn("writing %zu bytes to the helper", msg->len);
		snprintf(s->error, sizeof(s->error), "cannot write to the sandbox");
		return -1;
	}
	return 0;
}

/* Waits up to ms for the helper's stream or the watched fd: 1 when the stream may be read, 0
 * when the watch had something that does not end the job (or the time ran out: the caller's
 * deadline check follows), -1 when the job is cancelled. */
static int watch_wait(struct session *s, int ms)
{
	if (!s->watch || s->watch->fd < 0 || s->st.pending.len > 0 || s->st.fd < 0)
		return 1;
	struct pollfd p[2] = { { .fd = s->st.fd, .events = POLLIN },
			       { .fd = s->watch->fd, .events = POLLIN } };
	int r = poll(p, 2, ms);
	if (r < 0 && errno != EINTR) {
		log_warn("poll on the helper's stream");
		return 1; /* the stream read reports it */
	}
	if (r <= 0)
		return 0;
	if (p[1].revents && s->watch->check(s->watch->arg)) {
		s->cancelled = 1;
		snprintf(s->error, sizeof(s->error), "cancelled");
		return -1;
	}
	return p[0].revents ? 1 : 0;
}

int session_recv(struct session *s, struct wire_hdr *h, const uint8_t **payload, int timeout_ms)
{
	char tmp[65536];
	long deadline = clock_ms() + timeout_ms;
	if (s->consumed) {
		buf_consume(&s->out, s->consumed);
		s->consumed = 0;
	}
	for (;;) {
		long n = wire_peek(&s->out, h, payload, WIRE_MAX_PAYLOAD);
		if (n > 0) {
			s->consumed = (size_t)n;
			return 0;
		}
		if (n < 0) {
			snprintf(s->error, sizeof(s->error), "the sandbox sent a malformed frame");
			return -1;
		}
		long left = deadline - clock_ms();
		if (left <= 0) {
			snprintf(s->error, sizeof(s->error),
				 "the sandbox did not answer within %d ms", timeout_ms);
			return -1;
		}
		int w = watch_wait(s, (int)left);
		if (w < 0)
			return -1;
		if (w == 0)
			continue;
		long r = docker_stream_read(&s->st, tmp, sizeof(tmp), (int)left);
		if (r <= 0) {
			if (r == 0)
				snprintf(s->error, sizeof(s->error),
					 "the sandbox ended without a result%s%.160s",
					 s->err.len ? ": " : "", s->err.len ? s->err.data : "");
			else {
				log_warn("reading from the helper");
				snprintf(s->error, sizeof(s->error),
					 "cannot read from the sandbox");
			}
			return -1;
		}
		struct buf *outs[3] = { NULL, &s->out, &s->err };
		if (docker_demux_feed(&s->dm, (const uint8_t *)tmp, (size_t)r, outs) < 0 ||
		    s->dm.overflow[1]) {
			snprintf(s->error, sizeof(s->error),
				 "the sandbox's stream is malformed or too large");
			return -1;
		}
	}
}

void session_close(struct session *s)
{
	if (s->err.len)
		log_debug("helper said: %.*s", (int)(s->err.len > 400 ? 400 : s->err.len),
			  s->err.data);
	docker_stream_close(&s->st);
	buf_free(&s->out);
	buf_free(&s->err);
}

/* One u64 field of H_STEP into its slot; -1 when the field is not 8 bytes. */
static int step_u64(struct step *st, const struct wire_field *f)
{
	uint64_t v = wire_u64(f);
	if (f->len != 8)
		return -1;
	switch (f->tag) {
	case T_KIND:
		st->kind = v == STEP_COMPILE ? STEP_COMPILE : v == STEP_RUN ? STEP_RUN : -1;
		break;
	case T_EXIT: st->exit_code = (int64_t)v; break;
	case T_SIGNAL: st->signal = (int)v; break;
	case T_WALL_US: st->wall_us = v; break;
	case T_CPU_US: st->cpu_us = v; break;
	case T_MAXRSS_KB: st->maxrss_kb = v; break;
	case T_FLAGS: st->flags = v; break;
	default: break;
	}
	return st->kind < 0 ? -1 : 0;
}

int session_step_decode(const uint8_t *p, size_t n, struct step *st, size_t max)
{
	static const uint32_t required[] = { T_KIND, T_EXIT, T_SIGNAL, T_WALL_US, T_CPU_US,
					     T_MAXRSS_KB, T_FLAGS, T_STDOUT, T_STDERR, 0 };
	const uint8_t *end = p + n;
	struct wire_field f;
	struct wire_seen seen = { { 0, 0 } };
	int r;
	memset(st, 0, sizeof(*st));
	buf_init(&st->out, max);
	buf_init(&st->err, max);
	while ((r = wire_next(&p, end, &f)) == 1) {
		if (f.tag == T_JOB_SEQ && f.len == 8)
			st->seq = wire_u64(&f);
		if (f.tag < T_KIND || f.tag > T_ERROR)
			continue; /* not an H_STEP field: ignored */
		if (wire_seen(&seen, f.tag) < 0)
			return -1;
		if (f.tag == T_STDOUT || f.tag == T_STDERR)
			buf_append_trunc(f.tag == T_STDOUT ? &st->out : &st->err, f.data, f.len);
		else if (f.tag == T_ERROR)
			snprintf(st->error, sizeof(st->error), "%.*s",
				 (int)(f.len > 255 ? 255 : f.len), (const char *)f.data);
		else if (step_u64(st, &f) < 0)
			return -1;
	}
	return r < 0 || wire_missing(&seen, required) ? -1 : 0;
}

/* H_FATAL's T_ERROR into why; -1 when it has none. */
static int fatal_decode(const uint8_t *p, size_t n, char *why, size_t wn)
{
	const uint8_t *end = p + n;
	struct wire_field f;
	while (wire_next(&p, end, &f) == 1)
		if (f.tag == T_ERROR && f.len > 0) {
			snprintf(why, wn, "%.*s", (int)(f.len > 200 ? 200 : f.len),
				 (const char *)f.data);
			return 0;
		}
	return -1;
}

/* An H_CHUNK of a streamed run, handed to the watch's chunk callback. */
static int chunk_pass(struct session *s, const uint8_t *p, size_t n)
{
	struct wire_field f;
	const uint8_t *end = p + n;
	if (wire_next(&p, end, &f) != 1 || (f.tag != T_STDOUT && f.tag != T_STDERR) || p != end) {
		snprintf(s->error, sizeof(s->error), "the sandbox helper sent a malformed chunk");
		return -1;
	}
	if (s->watch && s->watch->chunk)
		s->watch->chunk(s->watch->arg, f.tag, f.data, f.len);
	return 0;
}

int session_recv_step(struct session *s, int kind, struct step *st, size_t max, int timeout_ms)
{
	struct wire_hdr h;
	const uint8_t *p;
	char why[208];
	long deadline = clock_ms() + timeout_ms;
	do {
		long left = deadline - clock_ms();
		if (session_recv(s, &h, &p, left > 0 ? (int)left : 0) < 0)
			return -1;
	} while (h.type == H_CHUNK && chunk_pass(s, p, h.len) == 0);
	if (h.type == H_CHUNK)
		return -1;
	if (h.type == H_FATAL) {
		if (fatal_decode(p, h.len, why, sizeof(why)) < 0)
			snprintf(why, sizeof(why), "(an H_FATAL without T_ERROR)");
		snprintf(s->error, sizeof(s->error), "the sandbox helper failed: %s", why);
		return -1;
	}
	if (h.type != H_STEP) {
		log_errorx("the helper sent message type %u where H_STEP was due", h.type);
		snprintf(s->error, sizeof(s->error),
			 "the sandbox helper sent an unexpected message");
		return -1;
	}
	if (session_step_decode(p, h.len, st, max) < 0 || st->kind != kind) {
		log_errorx("refusing an H_STEP that is malformed, lacks a required field or is not "
			   "a %s",
			   kind == STEP_COMPILE ? "compile step" : "run");
		snprintf(s->error, sizeof(s->error),
			 "the sandbox helper sent a malformed step result");
		return -1;
	}
	return 0;
}

int session_send_run(struct session *s, const char *in, const cJSON *args, int stream)
{
	struct buf m;
	buf_init(&m, (size_t)WIRE_MAX_PAYLOAD);
	int rc = wire_begin(&m, H_RUN, 0, 0);
	rc |= wire_put(&m, T_STDIN, in, strlen(in));
	if (stream)
		rc |= wire_put_u64(&m, T_STREAM, 1);
	const cJSON *it;
	cJSON_ArrayForEach(it, args) {
		if (cJSON_IsString(it))
			rc |= wire_put_str(&m, T_EXTRA_ARG, it->valuestring);
	}
	rc |= wire_end(&m, 0);
	if (rc)
		snprintf(s->error, sizeof(s->error),
			 "the run's input is too large for the sandbox");
	else
		rc = session_send(s, &m, SESSION_IO_MS);
	buf_free(&m);
	return rc ? -1 : 0;
}
