/*
 * docker_stream.c - the hijacked duplex streams of attach and exec start (a CONNECT_ONLY libcurl
 * handle whose socket we drive ourselves: raw request, response head, then a raw byte stream
 * after "101 UPGRADED"). The demultiplexer of their framing is docker_demux.c. Stream timeouts:
 * negative waits without limit.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf, memmem, strndup (also set by the Makefile) */
#endif
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <curl/curl.h>

#include "clock.h"
#include "docker.h"
#include "docker_priv.h"
#include "log.h"

#define HEAD_MAX (16 * 1024)    /* cap on the response head */
#define ERRBODY_MAX (64 * 1024) /* cap on an error answer's body */
#define CHUNK 4096

/* ---- socket I/O with deadlines ---- */

static long long deadline_in(long timeout_ms)
{
	return timeout_ms < 0 ? -1 : (long long)clock_ms() + timeout_ms;
}

/* Waits for ev on fd until deadline (-1: none): 1 ready, 0 timed out, -1 error. */
static int wait_fd(int fd, short ev, long long deadline)
{
	for (;;) {
		int ms = -1;
		if (deadline >= 0) {
			long long left = deadline - (long long)clock_ms();
			ms = left <= 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;
		}
		struct pollfd p = { .fd = fd, .events = ev };
		int r = poll(&p, 1, ms);
		if (r < 0 && errno == EINTR)
			continue;
		return r < 0 ? -1 : r > 0;
	}
}

static int write_all(int fd, const void *p, size_t n, long long deadline)
{
	const char *c = p;
	while (n > 0) {
		int w = wait_fd(fd, POLLOUT, deadline);
		if (w <= 0) {
			if (w == 0)
				errno = ETIMEDOUT;
			return -1;
		}
		ssize_t k = send(fd, c, n, MSG_NOSIGNAL);
		if (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return -1;
		if (k > 0) {
			c += k;
			n -= (size_t)k;
		}
	}
	return 0;
}

/* One recv with a deadline: > 0 bytes, 0 on EOF, -1 on error or timeout (errno ETIMEDOUT). */
static long read_some(int fd, void *p, size_t n, long long deadline)
{
	for (;;) {
		int w = wait_fd(fd, POLLIN, deadline);
		if (w <= 0) {
			if (w == 0)
				errno = ETIMEDOUT;
			return -1;
		}
		ssize_t k = recv(fd, p, n, 0);
		if (k >= 0)
			return (long)k;
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return -1;
	}
}

/* ---- opening a hijacked stream ---- */

static int hijack_connect(struct docker *d, struct docker_stream *s, const char *path, long t)
{
	char eb[CURL_ERROR_SIZE] = "";
	CURL *c = curl_easy_init();
	s->curl = c;
	if (!c) {
		docker_fail(d, DOCKER_E_TRANSPORT, 0, "POST", path, "cannot create a curl handle");
		return -1;
	}
	curl_easy_setopt(c, CURLOPT_URL, "http://localhost/");
	curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, d->sock);
	curl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
			 t < DOCKER_CONNECT_MAX_MS ? t : DOCKER_CONNECT_MAX_MS);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, eb);
	CURLcode rc = curl_easy_perform(c);
	curl_socket_t fd = CURL_SOCKET_BAD;
	if (rc == CURLE_OK)
		rc = curl_easy_getinfo(c, CURLINFO_ACTIVESOCKET, &fd);
	if (rc == CURLE_OK && fd == CURL_SOCKET_BAD)
		rc = CURLE_COULDNT_CONNECT;
	if (rc != CURLE_OK)
		docker_transport_error(d, c, rc, eb, "POST", path, t);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL); /* eb goes out of scope */
	s->fd = rc == CURLE_OK ? (int)fd : -1;
	return rc == CURLE_OK ? 0 : -1;
}

static int hijack_send(struct docker *d, struct docker_stream *s, const char *path,
		       const char *body, long long dl)
{
	struct buf req;
	size_t blen = strlen(body);
	buf_init(&req, HEAD_MAX + blen);
	int rc = buf_printf(
		&req,
		"POST %s%s HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\n"
		"Upgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
		d->prefix, path, blen);
	if (rc == 0)
		rc = buf_append(&req, body, blen);
	if (rc == 0)
		rc = write_all(s->fd, req.data, req.len, dl);
	int e = errno;
	buf_free(&req);
	if (rc < 0)
		docker_fail(d, DOCKER_E_TRANSPORT, 0, "POST", path,
			    "cannot send the request to the Docker engine at %s: %s", d->sock,
			    e == ETIMEDOUT ? "timed out" : strerror(e));
	return rc;
}

/* Reads the response head into s->pending; returns the offset just past its blank line. */
static long hijack_head(struct docker *d, struct docker_stream *s, const char *path, long long dl)
{
	char tmp[CHUNK];
	for (;;) {
		char *end = s->pending.len ? memmem(s->pending.data, s->pending.len, "\r\n\r\n", 4)
					   : NULL;
		if (end)
			return (long)(end + 4 - s->pending.data);
		if (s->pending.len >= HEAD_MAX) {
			docker_fail(d, DOCKER_E_LIMIT, 0, "POST", path,
				    "the engine's response head is over %d bytes", HEAD_MAX);
			return -1;
		}
		long k = read_some(s->fd, tmp, sizeof(tmp), dl);
		if (k <= 0) {
			int e = errno;
			docker_fail(d, DOCKER_E_TRANSPORT, 0, "POST", path,
				    "the Docker engine at %s %s", d->sock,
				    k == 0           ? "closed the connection before answering"
				    : e == ETIMEDOUT ? "did not answer in time"
						     : strerror(e));
			return -1;
		}
		if (buf_append(&s->pending, tmp, (size_t)k) < 0) {
			docker_fail(d, DOCKER_E_LIMIT, 0, "POST", path,
				    "out of memory for the response head");
			return -1;
		}
	}
}

static long head_content_length(const char *h, size_t hlen)
{
	const char *p = h, *end = h + hlen;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;
		if ((size_t)(nl - p) > 15 && strncasecmp(p, "Content-Length:", 15) == 0)
			return strtol(p + 15, NULL, 10);
		p = nl + 1;
	}
	return -1;
}

/* An error status: reads the body (by Content-Length, capped) for the engine's message. */
static void hijack_error(struct docker *d, struct docker_stream *s, size_t off, int st,
			 const char *path, long long dl)
{
	long cl = head_content_length(s->pending.data, off);
	size_t want = (cl >= 0 && cl < ERRBODY_MAX) ? (size_t)cl : ERRBODY_MAX;
	struct buf body;
	buf_init(&body, want);
	buf_append_trunc(&body, s->pending.data + off, s->pending.len - off);
	char tmp[CHUNK];
	while (body.len < want) {
		size_t room = want - body.len;
		long k = read_some(s->fd, tmp, room < sizeof(tmp) ? room : sizeof(tmp), dl);
		if (k <= 0)
			break;
		buf_append_trunc(&body, tmp, (size_t)k);
	}
	docker_http_error(d, st, body.data, body.len, "POST", path);
	buf_free(&body);
}

static int hijack(struct docker *d, const char *path, const char *body, struct docker_stream *s)
{
	d->err.kind = DOCKER_OK;
	d->err.http = 0;
	d->err.msg[0] = '\0';
	s->curl = NULL;
	s->fd = -1;
	buf_init(&s->pending, HEAD_MAX + CHUNK);
	long t = d->timeout_ms;
	long long dl = deadline_in(t);
	long off = -1;
	if (hijack_connect(d, s, path, t) == 0 && hijack_send(d, s, path, body, dl) == 0)
		off = hijack_head(d, s, path, dl);
	if (off >= 0) {
		int st = 0;
		if (sscanf(s->pending.data, "HTTP/%*d.%*d %d", &st) != 1) {
			docker_fail(d, DOCKER_E_PROTO, 0, "POST", path, "not an HTTP answer: %.60s",
				    s->pending.data);
		} else if (st == 101 || st == 200) {
			buf_consume(&s->pending, (size_t)off);
			log_debug("docker POST %s: stream open (HTTP %d, %zu bytes pending)", path,
				  st, s->pending.len);
			return 0;
		} else {
			hijack_error(d, s, (size_t)off, st, path, dl);
		}
	}
	docker_stream_close(s);
	return -1;
}

/* Opens the hijacked stream of /<kind>/<id><suffix>. */
static int hijack_obj(struct docker *d, const char *kind, const char *id, const char *suffix,
		      const char *body, struct docker_stream *s)
{
	char *path = docker_obj_path(d, kind, id, suffix);
	s->curl = NULL;
	s->fd = -1;
	buf_init(&s->pending, 0);
	if (!path)
		return -1;
	int rc = hijack(d, path, body, s);
	free(path);
	return rc;
}

int docker_attach(struct docker *d, const char *id, struct docker_stream *s)
{
	return hijack_obj(d, "containers", id, "/attach?stream=1&stdin=1&stdout=1&stderr=1", "", s);
}

int docker_exec_start(struct docker *d, const char *eid, struct docker_stream *s)
{
	return hijack_obj(d, "exec", eid, "/start", "{\"Detach\":false,\"Tty\":false}", s);
}

/* ---- the stream ---- */

int docker_stream_write(struct docker_stream *s, const void *p, size_t n, int timeout_ms)
{
	if (s->fd < 0) {
		errno = EBADF;
		log_warnx("docker stream: write on a closed stream");
		return -1;
	}
	if (write_all(s->fd, p, n, deadline_in(timeout_ms)) < 0) {
		log_warnx("docker stream: write of %zu bytes failed: %s", n,
			 errno == ETIMEDOUT ? "timed out" : strerror(errno));
		return -1;
	}
	return 0;
}

long docker_stream_read(struct docker_stream *s, void *p, size_t n, int timeout_ms)
{
	if (n == 0 || (s->fd < 0 && s->pending.len == 0)) {
		errno = n == 0 ? EINVAL : EBADF;
		log_warnx("docker stream: read %s", n == 0 ? "of 0 bytes" : "on a closed stream");
		return -1;
	}
	if (s->pending.len > 0) {
		size_t k = n < s->pending.len ? n : s->pending.len;
		memcpy(p, s->pending.data, k);
		buf_consume(&s->pending, k);
		return (long)k;
	}
	long k = read_some(s->fd, p, n, deadline_in(timeout_ms));
	if (k < 0) {
		int e = errno;
		if (e == ETIMEDOUT)
			log_debug("docker stream: read: timed out");
		else
			log_errno(LOG_DEBUG, "docker stream: read");
		errno = e;
	}
	return k;
}

int docker_stream_close_write(struct docker_stream *s)
{
	if (s->fd < 0) {
		log_warnx("docker stream: shutdown(SHUT_WR): closed stream");
		return -1;
	}
	if (shutdown(s->fd, SHUT_WR) < 0) {
		log_warn("docker stream: shutdown(SHUT_WR)");
		return -1;
	}
	return 0;
}

void docker_stream_close(struct docker_stream *s)
{
	if (s->curl)
		curl_easy_cleanup(s->curl); /* closes the socket: curl owns it */
	s->curl = NULL;
	s->fd = -1;
	buf_free(&s->pending);
}
