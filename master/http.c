/*
 * http.c - the REST front's plumbing on libmicrohttpd, driven from the master's poll loop
 * (external epoll mode): capped request bodies, answers, the access log; each request goes to
 * the router given at start (http_routes.c). An execution suspends its connection until its job
 * ends: the job's completion callback resumes it, so the loop never waits for a job.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "http_head.h"
#include "http.h"
#include "http_priv.h"
#include "jobs.h"
#include "jsonutil.h"
#include "judge0.h"
#include "log.h"
#include "metrics.h"
#include "problems.h"
#include "scheduler.h"
#include "subs.h"

static struct master *m;
static const struct http_router *router;
static struct MHD_Daemon *daemon_;
static struct reqctx *suspended; /* requests waiting for their job */

void http_suspend(struct MHD_Connection *c, struct reqctx *x)
{
	const union MHD_ConnectionInfo *i =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	x->fd = i ? i->connect_fd : -1;
	x->prev = NULL;
	x->next = suspended;
	if (suspended)
		suspended->prev = x;
	suspended = x;
	MHD_suspend_connection(c);
}

static void suspend_unlink(struct reqctx *x)
{
	if (x->prev)
		x->prev->next = x->next;
	else if (suspended == x)
		suspended = x->next;
	if (x->next)
		x->next->prev = x->prev;
	x->prev = x->next = NULL;
}

/* One line per request: client, method, path, status, language, job id, queue wait, run time. */
void http_access_log(const struct reqctx *x, int status)
{
	long now = clock_ms();
	long queue = x->t_start ? x->t_start - x->t0 : now - x->t0,
	     run = x->t_start ? now - x->t_start : 0;
	if (!x->job_id)
		queue = run = 0;
	log_info("request client=%s method=%s path=%s status=%d language=%s job=%u queue_ms=%ld "
		 "run_ms=%ld total_ms=%ld",
		 x->client, x->method, x->path, status, x->lang[0] ? x->lang : "-", x->job_id,
		 queue, run, now - x->t0);
}

static void add_cors(struct MHD_Response *r)
{
	if (!m->cfg.cors_origin[0])
		return;
	MHD_add_response_header(r, "Access-Control-Allow-Origin", m->cfg.cors_origin);
	MHD_add_response_header(r, "Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS");
	MHD_add_response_header(r, "Access-Control-Allow-Headers",
				"Content-Type, Authorization, X-API-Key");
	MHD_add_response_header(r, "Access-Control-Max-Age", "600");
	if (strcmp(m->cfg.cors_origin, "*"))
		MHD_add_response_header(r, "Vary", "Origin");
}

/* Queues a response (body is taken over), with the extra header hk: hv when hk is set. */
enum MHD_Result http_respond_as(struct MHD_Connection *c, struct reqctx *x, int status, char *body,
				const char *type, const char *hk, const char *hv)
{
	if (!body)
		body = json_error("out of memory", NULL);
	size_t n = strlen(body);
	struct MHD_Response *r = MHD_create_response_from_buffer(n, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", type);
	if (hk)
		MHD_add_response_header(r, hk, hv);
	add_cors(r);
	enum MHD_Result rc = MHD_queue_response(c, (unsigned)status, r);
	MHD_destroy_response(r);
	if (x) {
		metrics_request(x->path, status);
		http_access_log(x, status);
	}
	return rc;
}

enum MHD_Result http_respond(struct MHD_Connection *c, struct reqctx *x, int status, char *body,
			     const char *allow)
{
	return http_respond_as(c, x, status, body, "application/json", allow ? "Allow" : NULL,
			       allow);
}

enum MHD_Result http_respond_json(struct MHD_Connection *c, struct reqctx *x, int status,
				  cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return http_respond(c, x, status, s, NULL);
}

/* Refusals decided on the head alone (http_head.c), answered 400 with the connection closed.
 * Returns 1 when it answered. */
static int refuse_head(struct MHD_Connection *c, struct reqctx *x, const char *version,
		       enum MHD_Result *rc)
{
	const char *msg, *field;
	if (!http_head_refusal(c, version, &msg, &field))
		return 0;
	x->responded = 1;
	*rc = http_respond_as(c, x, 400, json_error(msg, field), "application/json", "Connection",
			      "close");
	return 1;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *data,
				  size_t *size, void **ctxp)
{
	(void)cls;
	struct reqctx *x = *ctxp;
	if (!x) {
		if (!(x = calloc(1, sizeof(*x))))
			return MHD_NO;
		buf_init(&x->body, router->body_max(url));
		*ctxp = x;
		x->t0 = clock_ms();
		snprintf(x->method, sizeof(x->method), "%s", method);
		snprintf(x->path, sizeof(x->path), "%s", url);
		http_client_ip(c, x->client, sizeof(x->client));
		enum MHD_Result rc;
		if (refuse_head(c, x, version, &rc))
			return rc;
		/* a declared body over the cap is refused before it is read (MHD then closes) */
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
		if (cl && strtoull(cl, NULL, 10) > x->body.max) {
			x->too_big = x->responded = 1;
			return router->refuse(c, url, method, x);
		}
		return MHD_YES;
	}
	if (*size) {
		/* an undeclared (chunked) body over the cap is discarded and answered at its end */
		if (!x->too_big && buf_append(&x->body, data, *size) < 0) {
			x->too_big = 1;
			buf_free(&x->body);
		}
		*size = 0;
		return MHD_YES;
	}
	if (x->job) {
		/* resumed: the job is done */
		struct job *j = x->job;
		x->job = NULL;
		suspend_unlink(x);
		x->t_start = j->t_start;
		enum MHD_Result rc = http_respond(c, x, j->http, j->body, NULL);
		j->body = NULL; /* the response owns it */
		jobs_free(j);
		return rc;
	}
	if (x->ans_ready) { /* resumed: a submission's answer */
		x->ans_ready = 0;
		char *b = x->ans_body;
		x->ans_body = NULL;
		return http_respond_as(c, x, x->ans_http, b, "application/json",
				       x->ans_token[0] ? "X-Submission-Token" : NULL, x->ans_token);
	}
	if (x->responded)
		return MHD_YES;
	return router->serve(c, url, method, x);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **ctxp,
			 enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	struct reqctx *x = *ctxp;
	if (!x)
		return;
	if (x->job) {
		suspend_unlink(x);
		if (x->job->done)
			jobs_free(x->job);
		else
			jobs_detach(x->job); /* the result will be dropped */
	}
	if (x->call)
		subs_forget(x->call); /* the client is gone; the submission goes on */
	if (x->j0call)
		judge0_forget(x->j0call);
	if (x->pcall)
		problems_forget(x->pcall); /* the store's work goes on; its answer is dropped */
	free(x->ans_body);
	buf_free(&x->body);
	free(x);
	*ctxp = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	size_t n = strlen(msg);
	if (n && msg[n - 1] == '\n')
		msg[n - 1] = '\0';
	log_debug("http: %s", msg);
}

int http_start(struct master *state, const struct http_router *r)
{
	m = state;
	router = r;
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)m->cfg.port);
	if (inet_pton(AF_INET, m->cfg.address, &sa.sin_addr) != 1) {
		log_errorx("server.address \"%s\" is not an IPv4 address", m->cfg.address);
		return -1;
	}
	unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG | MHD_USE_ITC;
	daemon_ = MHD_start_daemon(
		flags, (uint16_t)m->cfg.port, NULL, NULL, on_request, NULL,
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL, MHD_OPTION_SOCK_ADDR, &sa,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_UNESCAPE_CALLBACK,
		http_unescape_url, NULL, MHD_OPTION_CONNECTION_LIMIT,
		(unsigned)m->cfg.max_connections, MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned)m->cfg.connection_timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		(size_t)64 * 1024, MHD_OPTION_END);
	if (!daemon_) {
		log_errorx("cannot listen on %s:%d", m->cfg.address, m->cfg.port);
		return -1;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT);
	log_info("listening on http://%s:%u", m->cfg.address,
		 info ? info->port : (unsigned)m->cfg.port);
	return 0;
}

void http_stop_accepting(void)
{
	if (!daemon_)
		return;
	MHD_socket s = MHD_quiesce_daemon(daemon_);
	if (s != MHD_INVALID_SOCKET)
		close(s);
}

void http_stop(void)
{
	if (daemon_)
		MHD_stop_daemon(daemon_);
	daemon_ = NULL;
}

int http_poll_fd(void)
{
	const union MHD_DaemonInfo *i =
		daemon_ ? MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_EPOLL_FD) : NULL;
	return i ? i->epoll_fd : -1;
}

int http_timeout_ms(void)
{
	MHD_UNSIGNED_LONG_LONG t;
	if (!daemon_ || MHD_get_timeout(daemon_, &t) != MHD_YES)
		return -1;
	return t > 1000 ? 1000 : (int)t;
}

void http_run(void)
{
	if (daemon_)
		MHD_run(daemon_);
}

/* A suspended connection is not watched by libmicrohttpd: find the clients that closed theirs
 * (hang-up or end of input on the socket) and cancel their jobs. */
void http_sweep_gone(void)
{
	static long next;
	if (!suspended || clock_ms() < next)
		return;
	next = clock_ms() + 100; /* a gone client is noticed within 0.1 s, not on every loop turn */
	struct pollfd p[256];
	struct reqctx *who[256];
	struct reqctx *x = suspended;
	while (x) {
		nfds_t n = 0;
		for (; x && n < 256; x = x->next) {
			if (x->fd < 0 || !x->job || x->job->done || x->job->cancelled)
				continue;
			p[n] = (struct pollfd){ .fd = x->fd, .events = POLLRDHUP };
			who[n++] = x;
		}
		if (n == 0)
			continue;
		int r = poll(p, n, 0);
		if (r < 0 && errno != EINTR)
			log_warn("poll on suspended connections");
		if (r <= 0)
			continue;
		for (nfds_t i = 0; i < n; i++)
			if (p[i].revents & (POLLRDHUP | POLLHUP | POLLERR))
				sched_cancel(who[i]->job); /* may resume and so unlink who[i]: x is
							      already past it */
	}
}

