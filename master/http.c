/*
 * http.c - the REST front on libmicrohttpd, driven from the master's poll loop (external epoll
 * mode): routes, capped request bodies, JSON answers. An execution suspends its connection
 * until its job ends: the job's completion callback (set here at submit) resumes it, so the loop
 * never waits for a job and the scheduler never calls back into this file.
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
#include <strings.h>

#include "admit.h"
#include "buf.h"
#include "clock.h"
#include "health.h"
#include "http_head.h"
#include "http.h"
#include "jobs.h"
#include "jsonutil.h"
#include "judge0.h"
#include "log.h"
#include "metrics.h"
#include "piston.h"
#include "problems.h"
#include "request.h"
#include "scheduler.h"
#include "subs.h"
#include "v1.h"
#include "web.h"

struct reqctx {
	struct buf body;
	struct job *job;             /* while suspended: the job it waits for */
	struct MHD_Connection *conn;
	struct subs_call *call;      /* while suspended: the submission answer it waits for */
	struct judge0_call *j0call;  /* or the Judge0 answer (judge0.c) */
	struct problems_call *pcall; /* while suspended: the problem store's answer */
	int ans_ready, ans_http;     /* that answer, once given (subs_answered) */
	char *ans_body;
	char ans_token[40];
	struct reqctx *prev, *next;  /* list of suspended requests */
	int fd;                      /* its socket, watched for the client going away */
	int too_big;
	int responded;
	char method[12];
	char path[128];
	char client[48];
	char lang[CONF_ID_MAX];
	uint32_t job_id;
	long t0, t_start, t_end; /* admitted, dispatched, answered (ms) */
};

static struct master *m;
static struct MHD_Daemon *daemon_;
static struct reqctx *suspended; /* requests waiting for their job */

static void suspend_link(struct MHD_Connection *c, struct reqctx *x)
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
static void access_log(const struct reqctx *x, int status)
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
static enum MHD_Result respond_as(struct MHD_Connection *c, struct reqctx *x, int status,
				  char *body, const char *type, const char *hk, const char *hv)
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
		access_log(x, status);
	}
	return rc;
}

static enum MHD_Result respond(struct MHD_Connection *c, struct reqctx *x, int status, char *body,
			       const char *allow)
{
	return respond_as(c, x, status, body, "application/json", allow ? "Allow" : NULL, allow);
}

static enum MHD_Result respond_json(struct MHD_Connection *c, struct reqctx *x, int status,
				    cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return respond(c, x, status, s, NULL);
}

static enum MHD_Result route_languages(struct MHD_Connection *c, struct reqctx *x)
{
	return respond_json(c, x, 200, v1_languages(m));
}

static enum MHD_Result route_health(struct MHD_Connection *c, struct reqctx *x)
{
	return respond_json(c, x, health_http_status(m), health_render(m));
}

static enum MHD_Result route_metrics(struct MHD_Connection *c, struct reqctx *x)
{
	metrics_request(x->path, 200); /* counted before rendering, so a scrape sees itself */
	char *text = metrics_render(m);
	access_log(x, 200);
	return respond_as(c, NULL, 200, text, "text/plain; version=0.0.4; charset=utf-8", NULL,
			  NULL);
}

/* The job's completion callback: its connection resumes, and on_request sends the answer. */
static void job_done(struct job *j, void *conn)
{
	(void)j;
	MHD_resume_connection(conn);
}

static const char *api_key(struct MHD_Connection *c);

static enum MHD_Result route_execute(struct MHD_Connection *c, struct reqctx *x)
{
	struct req_error e;
	cJSON *spec;
	int v1 = !strcmp(x->path, "/v1/exec"); /* seed 002's shape (v1.c) */
	int pv2 = !strcmp(x->path, PISTON_EXECUTE); /* Piston's (piston.c) */
	if (x->too_big) {
		char msg[96];
		snprintf(msg, sizeof(msg), "the request body is larger than the limit of %d KiB",
			 m->cfg.body_kb);
		char *b = json_error(msg, NULL);
		return respond(c, x, 413, pv2 ? piston_error_body(b) : b, NULL);
	}
	const char *data = x->body.data ? x->body.data : "";
	if (pv2 ? piston_parse(m, data, x->body.len, &spec, &e)
		: (v1 ? v1_parse : request_parse)(data, x->body.len, &m->cfg, &spec, &e))
		return respond(c, x, e.http, (pv2 ? piston_error_json : request_error_json)(&e),
			       NULL);
	const char *lang =
		cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(spec, "lang"), "id"));
	/* pool.reuse_scope "key": a reused container serves the jobs of one API key (its hash) */
	char rkey[65];
	admit_owner(&m->cfg, api_key(c), rkey);
	cJSON_AddStringToObject(spec, "reuse_key", rkey);
	int http = 0;
	char *body = NULL;
	struct job *j = sched_submit(spec, lang, v1 ? v1_done : pv2 ? piston_done : job_done, c,
				     &http, &body);
	if (!j) {
		cJSON_Delete(spec);
		return respond(c, x, http, pv2 ? piston_error_body(body) : body, NULL);
	}
	x->job = j;
	x->job_id = j->id;
	snprintf(x->lang, sizeof(x->lang), "%s", lang);
	suspend_link(c, x);
	sched_kick();
	return MHD_YES;
}

static int path_is(const char *url, const char *a, const char *b)
{
	return !strcmp(url, a) || (b && !strcmp(url, b));
}

static const char *api_key(struct MHD_Connection *c)
{
	const char *key = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-API-Key");
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	if (!key && auth && !strncasecmp(auth, "Bearer ", 7))
		key = auth + 7;
	return key;
}

/* A submission's answer (subs.c): the connection resumes and on_request sends it. */
static void subs_answered(void *cx, int http, char *body, const char *token)
{
	struct reqctx *x = cx;
	x->call = NULL;
	x->j0call = NULL;
	x->ans_ready = 1;
	x->ans_http = http;
	x->ans_body = body;
	snprintf(x->ans_token, sizeof(x->ans_token), "%s", token ? token : "");
	MHD_resume_connection(x->conn);
}

static const char *query(struct MHD_Connection *c, const char *k)
{
	return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, k);
}

/* /submissions and /submissions/{token} (subs.c); answered now or once the store replies. */
static enum MHD_Result route_subs(struct MHD_Connection *c, struct reqctx *x, const char *url,
				  const char *method)
{
	const char *tok = url[strlen("/submissions")] == '/' ? url + strlen("/submissions/") : NULL;
	struct subs_req r = {
		.method = method, .token = tok, .body = x->body.data, .len = x->body.len,
		.key = api_key(c), .wait = query(c, "wait"), .limit = query(c, "limit"),
		.cursor = query(c, "cursor"), .language = query(c, "language"),
		.status = query(c, "status"), .since = query(c, "since"),
	};
	int http;
	char *body;
	x->conn = c;
	if (!subs_handle(&r, subs_answered, x, &x->call, &http, &body))
		return respond(c, x, http, body,
			       http != 405 ? NULL : tok ? "GET, DELETE" : "GET, POST");
	MHD_suspend_connection(c);
	return MHD_YES;
}

/* The Judge0 CE API under judge0.prefix (judge0.c); answered now or later, like route_subs. */
static enum MHD_Result route_judge0(struct MHD_Connection *c, struct reqctx *x, const char *rest,
				    const char *method)
{
	struct judge0_req r = {
		.method = method, .path = rest, .body = x->body.data, .len = x->body.len,
		.key = api_key(c), .wait = query(c, "wait"), .base64 = query(c, "base64_encoded"),
		.fields = query(c, "fields"), .tokens = query(c, "tokens"),
	};
	int http;
	char *body;
	x->conn = c;
	if (!judge0_handle(&r, subs_answered, x, &x->j0call, &http, &body))
		return respond(c, x, http, body, http == 405 ? judge0_allow(rest) : NULL);
	MHD_suspend_connection(c);
	return MHD_YES;
}

/* A problem request's answer (problems.c), as subs_answered. */
static void problems_answered(void *cx, int http, char *body, const char *token)
{
	struct reqctx *x = cx;
	x->pcall = NULL;
	subs_answered(cx, http, body, token);
}

static int is_problems(const char *url)
{
	return !strcmp(url, "/problems") || !strncmp(url, "/problems/", 10);
}

/* /problems and /problems/{id} (problems.c); answered now or once the store replies. */
static enum MHD_Result route_problems(struct MHD_Connection *c, struct reqctx *x,
				      const char *url, const char *method)
{
	struct problems_req r = {
		.method = method, .id = url[9] == '/' ? url + 10 : NULL, .body = x->body.data,
		.len = x->body.len, .qid = query(c, "id"), .version = query(c, "version"),
		.ctype = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type"),
		.too_big = x->too_big,
	};
	int http;
	char *body;
	x->conn = c;
	if (!problems_handle(&r, problems_answered, x, &x->pcall, &http, &body))
		return respond(c, x, http, body,
			       http != 405 ? NULL : r.id ? "GET, PUT, DELETE" : "POST");
	MHD_suspend_connection(c);
	return MHD_YES;
}

/* Auth, then rates: refused requests do no work and leave no trace in execution counters. */
static int admission(struct MHD_Connection *c, struct reqctx *x, int executes, enum MHD_Result *rc)
{
	const char *key = api_key(c);
	if (!admit_key_ok(&m->cfg, key)) {
		*rc = respond_as(c, x, 401,
				 json_error("a valid API key is required (Authorization: Bearer "
					    "KEY or X-API-Key)",
					    "Authorization"),
				 "application/json", "WWW-Authenticate", "Bearer");
		return 1;
	}
	struct admit_verdict v;
	admit_check(&m->cfg, x->client, executes, m->running + m->queue.len,
		    (double)clock_ms() / 1000.0, &v);
	if (!v.http)
		return 0;
	char ra[24];
	snprintf(ra, sizeof(ra), "%.0f", v.retry_after + 0.49);
	metrics_rate_limited(v.which);
	*rc = respond_as(c, x, 429, json_error(v.msg, NULL), "application/json", "Retry-After", ra);
	return 1;
}

static enum MHD_Result route_openapi(struct MHD_Connection *c, struct reqctx *x)
{
	return respond(c, x, 200, v1_openapi(), NULL);
}

static enum MHD_Result route_spec(struct MHD_Connection *c, struct reqctx *x)
{
	return respond_json(c, x, 200, v1_spec(m));
}

static enum MHD_Result route_runtimes(struct MHD_Connection *c, struct reqctx *x)
{
	return respond_json(c, x, 200, piston_runtimes(m));
}

/* The GET (and HEAD) endpoints; keyed ones pass admission (API key, rates) first. */
struct get_route {
	const char *path, *alt;
	int keyed;
	enum MHD_Result (*serve)(struct MHD_Connection *c, struct reqctx *x);
};

static const struct get_route get_routes[] = {
	{ "/health", "/api/v1/health", 0, route_health },
	{ "/metrics", NULL, 0, route_metrics },
	{ "/openapi.json", NULL, 0, route_openapi },
	{ "/languages", "/api/v1/languages", 1, route_languages },
	{ "/v1/spec", NULL, 1, route_spec },
	{ "/api/v2/runtimes", NULL, 1, route_runtimes },
};

static const struct get_route *get_route_find(const char *url)
{
	for (size_t i = 0; i < sizeof(get_routes) / sizeof(get_routes[0]); i++)
		if (path_is(url, get_routes[i].path, get_routes[i].alt))
			return &get_routes[i];
	return NULL;
}

static enum MHD_Result get_route_serve(struct MHD_Connection *c, struct reqctx *x,
				       const struct get_route *g, int get)
{
	if (get)
		return g->serve(c, x);
	char msg[96];
	snprintf(msg, sizeof(msg), "use GET for %s", g->path);
	return respond(c, x, 405, json_error(msg, NULL), "GET, HEAD");
}

static enum MHD_Result route(struct MHD_Connection *c, const char *url, const char *method,
			     struct reqctx *x)
{
	enum MHD_Result web_rc;
	if (web_serve(c, url, method, &web_rc)) /* the page at / and its assets (web.c) */
		return web_rc;
	if (strstr(url, "%00")) { /* left encoded by unescape_url() */
		char msg[200];
		snprintf(msg, sizeof(msg), "the path %.100s holds an encoded NUL (%%00)", url);
		return respond(c, x, 400, json_error(msg, NULL), NULL);
	}
	int get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
	int post = !strcmp(method, "POST");
	int exec = path_is(url, "/execute", "/api/v1/execute") ||
		   path_is(url, "/v1/exec", PISTON_EXECUTE);
	if (!strcmp(method, "OPTIONS"))
		return respond(c, x, 204, strdup(""), NULL);
	if (piston_path(url) && !piston_route_known(url, method)) /* as Piston's express app */
		return respond(c, x, 404, piston_not_found(), NULL);
	const struct get_route *g = get_route_find(url);
	if (g && !g->keyed)
		return get_route_serve(c, x, g, get);
	int subs = !strcmp(url, "/submissions") || !strncmp(url, "/submissions/", 13);
	const char *j0 = NULL;
	enum MHD_Result rc;
	if (judge0_path(&m->cfg, url, &j0)) {
		if (admission(c, x, judge0_executes(method, j0), &rc))
			return rc;
		return route_judge0(c, x, j0, method);
	}
	if (admission(c, x, (exec || subs) && post, &rc))
		return rc;
	if (is_problems(url))
		return route_problems(c, x, url, method);
	if (subs)
		return route_subs(c, x, url, method);
	if (exec) {
		if (!post)
			return respond(c, x, 405, json_error("use POST for this endpoint", NULL),
				       "POST");
		return route_execute(c, x);
	}
	if (g)
		return get_route_serve(c, x, g, get);
	char msg[200];
	snprintf(msg, sizeof(msg),
		 "no such endpoint: %.100s (see GET /openapi.json)", url);
	return respond(c, x, 404, json_error(msg, NULL), NULL);
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
	*rc = respond_as(c, x, 400, json_error(msg, field), "application/json", "Connection",
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
		buf_init(&x->body, is_problems(url) ? (size_t)m->cfg.problems_max_mb << 20
						    : (size_t)m->cfg.body_kb * 1024);
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
			return is_problems(url) ? route_problems(c, x, url, method)
						: route_execute(c, x);
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
		enum MHD_Result rc = respond(c, x, j->http, j->body, NULL);
		j->body = NULL; /* the response owns it */
		jobs_free(j);
		return rc;
	}
	if (x->ans_ready) { /* resumed: a submission's answer */
		x->ans_ready = 0;
		char *b = x->ans_body;
		x->ans_body = NULL;
		return respond_as(c, x, x->ans_http, b, "application/json",
				  x->ans_token[0] ? "X-Submission-Token" : NULL, x->ans_token);
	}
	if (x->responded)
		return MHD_YES;
	if (x->too_big && !is_problems(url))
		return route_execute(c, x);
	return route(c, url, method, x);
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

int http_start(struct master *state)
{
	m = state;
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

