/*
 * fake_engine.c - a scripted fake Docker engine for unit tests (see fake_engine.h): one pthread
 * polling a unix listening socket, a stop pipe and a few connections, reading whole requests
 * (head + Content-Length body) and answering each with the next step of the script.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf, memmem, strndup (also set by the Makefile) */
#endif
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "fake_engine.h"

#define MAXCONN 8
#define MAXREQ 64
#define INMAX (256 * 1024)

struct conn {
	int fd;
	int silent;
	char *in;
	size_t len;
};

struct fake_engine {
	char dir[32], sock[96];
	int lfd, stop[2], started;
	pthread_t th;
	pthread_mutex_t mu;
	struct fake_step *steps;
	size_t nsteps, next;
	struct conn conns[MAXCONN];
	char *head[MAXREQ], *body[MAXREQ];
	size_t nreq, nconn;
	char *in;       /* hijacked bytes received */
	size_t in_len;
};

static int send_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n > 0) {
		ssize_t k = send(fd, c, n, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		c += k;
		n -= (size_t)k;
	}
	return 0;
}

static void append(char **dst, size_t *len, const char *p, size_t n)
{
	char *q = realloc(*dst, *len + n + 1);
	if (!q)
		return;
	memcpy(q + *len, p, n);
	*len += n;
	q[*len] = '\0';
	*dst = q;
}

static void record(struct fake_engine *fe, const char *h, size_t hlen, const char *b, size_t blen)
{
	pthread_mutex_lock(&fe->mu);
	if (fe->nreq < MAXREQ) {
		size_t l0 = 0, l1 = 0;
		fe->head[fe->nreq] = fe->body[fe->nreq] = NULL;
		append(&fe->head[fe->nreq], &l0, h, hlen);
		append(&fe->body[fe->nreq], &l1, b, blen);
		fe->nreq++;
	}
	pthread_mutex_unlock(&fe->mu);
}

static struct fake_step next_step(struct fake_engine *fe)
{
	static const char none[] = "{\"message\":\"fake engine: no scripted answer\"}";
	struct fake_step st = { .kind = FAKE_REPLY, .status = 500, .body = none };
	pthread_mutex_lock(&fe->mu);
	if (fe->next < fe->nsteps)
		st = fe->steps[fe->next++];
	pthread_mutex_unlock(&fe->mu);
	return st;
}

/* Reads the client's bytes until EOF (the stdin of a hijacked stream). */
static void read_hijacked(struct fake_engine *fe, struct conn *c)
{
	char tmp[4096];
	pthread_mutex_lock(&fe->mu);
	append(&fe->in, &fe->in_len, c->in, c->len);
	pthread_mutex_unlock(&fe->mu);
	c->len = 0;
	ssize_t k;
	while ((k = recv(c->fd, tmp, sizeof(tmp), 0)) > 0) {
		pthread_mutex_lock(&fe->mu);
		append(&fe->in, &fe->in_len, tmp, (size_t)k);
		pthread_mutex_unlock(&fe->mu);
	}
}

/* Carries out one step; -1 when the connection is to be closed. */
static int do_step(struct fake_engine *fe, struct conn *c, const struct fake_step *st)
{
	char head[256];
	size_t blen = st->body ? (st->body_len ? st->body_len : strlen(st->body)) : 0;
	switch (st->kind) {
	case FAKE_REPLY:
		snprintf(head, sizeof(head),
			 "HTTP/1.1 %d Scripted\r\nContent-Type: %s\r\nContent-Length: %zu\r\n\r\n",
			 st->status,
			 (blen && strchr("{[", st->body[0])) ? "application/json" : "text/plain",
			 blen);
		if (send_all(c->fd, head, strlen(head)) < 0 || send_all(c->fd, st->body, blen) < 0)
			return -1;
		return 0;
	case FAKE_RAW:
		if (send_all(c->fd, st->raw, st->raw_len) < 0)
			return -1;
		if (st->hijack) {
			read_hijacked(fe, c);
			send_all(c->fd, st->raw2, st->raw2_len);
		}
		return -1;
	case FAKE_SILENT:
		c->silent = 1;
		return 0;
	default:
		return -1;
	}
}

/* Length of the complete request at the start of c->in, 0 if it is not all there yet. */
static size_t complete(const struct conn *c, size_t *hlen)
{
	char *e = memmem(c->in, c->len, "\r\n\r\n", 4);
	if (!e)
		return 0;
	*hlen = (size_t)(e + 4 - c->in);
	size_t blen = 0;
	for (const char *p = c->in; p < e;) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		if (strncasecmp(p, "Content-Length:", 15) == 0)
			blen = strtoul(p + 15, NULL, 10);
		if (!nl)
			break;
		p = nl + 1;
	}
	return c->len >= *hlen + blen ? *hlen + blen : 0;
}

static void conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->in);
	c->fd = -1;
	c->in = NULL;
	c->len = 0;
	c->silent = 0;
}

static void conn_input(struct fake_engine *fe, struct conn *c)
{
	ssize_t k = c->len < INMAX ? recv(c->fd, c->in + c->len, INMAX - c->len, 0) : -1;
	if (k <= 0) {
		conn_close(c);
		return;
	}
	c->len += (size_t)k;
	if (c->silent) {
		c->len = 0;
		return;
	}
	size_t tot, hlen;
	while (c->fd >= 0 && !c->silent && (tot = complete(c, &hlen)) > 0) {
		record(fe, c->in, hlen, c->in + hlen, tot - hlen);
		memmove(c->in, c->in + tot, c->len - tot);
		c->len -= tot;
		struct fake_step st = next_step(fe);
		if (do_step(fe, c, &st) < 0)
			conn_close(c);
	}
}

static void conn_accept(struct fake_engine *fe)
{
	int fd = accept(fe->lfd, NULL, NULL);
	if (fd < 0)
		return;
	struct timeval tv = { .tv_sec = 5 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	for (int i = 0; i < MAXCONN; i++) {
		if (fe->conns[i].fd < 0 && (fe->conns[i].in = malloc(INMAX))) {
			fe->conns[i].fd = fd;
			pthread_mutex_lock(&fe->mu);
			fe->nconn++;
			pthread_mutex_unlock(&fe->mu);
			return;
		}
	}
	close(fd);
}

static void *run(void *arg)
{
	struct fake_engine *fe = arg;
	for (;;) {
		struct pollfd pf[2 + MAXCONN];
		int map[2 + MAXCONN], n = 2;
		pf[0] = (struct pollfd){ .fd = fe->stop[0], .events = POLLIN };
		pf[1] = (struct pollfd){ .fd = fe->lfd, .events = POLLIN };
		for (int i = 0; i < MAXCONN; i++)
			if (fe->conns[i].fd >= 0) {
				map[n] = i;
				pf[n++] =
					(struct pollfd){ .fd = fe->conns[i].fd, .events = POLLIN };
			}
		if (poll(pf, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf[0].revents)
			break;
		for (int k = 2; k < n; k++)
			if (pf[k].revents)
				conn_input(fe, &fe->conns[map[k]]);
		if (pf[1].revents & POLLIN)
			conn_accept(fe);
	}
	for (int i = 0; i < MAXCONN; i++)
		conn_close(&fe->conns[i]);
	return NULL;
}

static int listen_on(struct fake_engine *fe)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(fe->dir, sizeof(fe->dir), "/tmp/fake-engine-XXXXXX");
	if (!mkdtemp(fe->dir))
		return -1;
	snprintf(fe->sock, sizeof(fe->sock), "%s/docker.sock", fe->dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", fe->sock);
	fe->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fe->lfd < 0 || bind(fe->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fe->lfd, 16) < 0)
		return -1;
	return 0;
}

struct fake_engine *fake_engine_start(const struct fake_step *steps, size_t n)
{
	struct fake_engine *fe = calloc(1, sizeof(*fe));
	if (!fe)
		return NULL;
	fe->lfd = fe->stop[0] = fe->stop[1] = -1;
	for (int i = 0; i < MAXCONN; i++)
		fe->conns[i].fd = -1;
	pthread_mutex_init(&fe->mu, NULL);
	fe->steps = calloc(n ? n : 1, sizeof(*steps));
	if (fe->steps && n)
		memcpy(fe->steps, steps, n * sizeof(*steps));
	fe->nsteps = n;
	if (!fe->steps || listen_on(fe) < 0 || pipe(fe->stop) < 0) {
		perror("fake_engine_start");
		fake_engine_stop(fe);
		return NULL;
	}
	if (pthread_create(&fe->th, NULL, run, fe) != 0) {
		perror("fake_engine_start: pthread_create");
		fake_engine_stop(fe);
		return NULL;
	}
	fe->started = 1;
	return fe;
}

void fake_engine_stop(struct fake_engine *fe)
{
	if (!fe)
		return;
	if (fe->started) {
		if (write(fe->stop[1], "x", 1) != 1)
			perror("fake_engine_stop");
		pthread_join(fe->th, NULL);
	}
	if (fe->stop[0] >= 0) {
		close(fe->stop[0]);
		close(fe->stop[1]);
	}
	if (fe->lfd >= 0)
		close(fe->lfd);
	if (fe->sock[0])
		unlink(fe->sock);
	if (fe->dir[0])
		rmdir(fe->dir);
	for (size_t i = 0; i < fe->nreq; i++) {
		free(fe->head[i]);
		free(fe->body[i]);
	}
	free(fe->in);
	free(fe->steps);
	pthread_mutex_destroy(&fe->mu);
	free(fe);
}

const char *fake_engine_sock(const struct fake_engine *fe)
{
	return fe->sock;
}

size_t fake_engine_nreq(struct fake_engine *fe)
{
	pthread_mutex_lock(&fe->mu);
	size_t n = fe->nreq;
	pthread_mutex_unlock(&fe->mu);
	return n;
}

size_t fake_engine_nconn(struct fake_engine *fe)
{
	pthread_mutex_lock(&fe->mu);
	size_t n = fe->nconn;
	pthread_mutex_unlock(&fe->mu);
	return n;
}

const char *fake_engine_head(struct fake_engine *fe, size_t i)
{
	pthread_mutex_lock(&fe->mu);
	const char *h = i < fe->nreq ? fe->head[i] : NULL;
	pthread_mutex_unlock(&fe->mu);
	return h;
}

const char *fake_engine_body(struct fake_engine *fe, size_t i)
{
	pthread_mutex_lock(&fe->mu);
	const char *b = i < fe->nreq ? fe->body[i] : NULL;
	pthread_mutex_unlock(&fe->mu);
	return b;
}

const char *fake_engine_stdin(struct fake_engine *fe, size_t *len)
{
	pthread_mutex_lock(&fe->mu);
	const char *p = fe->in;
	*len = fe->in_len;
	pthread_mutex_unlock(&fe->mu);
	return p;
}
