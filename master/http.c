/*
 * http.c - the REST front on libmicrohttpd, driven from the master's poll loop (external epoll
 * mode): routes, capped request bodies, JSON answers. An execution suspends its connection
 * until the worker's result arrives (sched.c), so the loop never waits for a job.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "jsonutil.h"
#include "log.h"
#include "master.h"
#include "request.h"

struct reqctx {
	struct buf body;
	struct job *job;
	int too_big;
	int responded;
};

static struct MHD_Daemon *daemon_;

static enum MHD_Result respond(struct MHD_Connection *c, int status, char *body, const char *allow)
{
	if (!body)
		body = json_error("out of memory", NULL);
	size_t n = strlen(body);
	struct MHD_Response *r = MHD_create_response_from_buffer(n, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", "application/json");
	if (allow)
		MHD_add_response_header(r, "Allow", allow);
	enum MHD_Result rc = MHD_queue_response(c, (unsigned)status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result respond_json(struct MHD_Connection *c, int status, cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return respond(c, status, s, NULL);
}

static enum MHD_Result route_languages(struct MHD_Connection *c)
{
	cJSON *a = cJSON_CreateArray();
	for (int i = 0; i < M.cfg.nlangs; i++) {
		const struct lang *g = &M.cfg.langs[i];
		const char *ver = g->version;
		for (int k = 0; k < M.npools; k++)
			if (!strcmp(M.pools[k].lang, g->id) && M.pools[k].version[0])
				ver = M.pools[k].version;
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", g->id);
		cJSON_AddStringToObject(o, "name", g->name);
		cJSON_AddStringToObject(o, "version", ver);
		cJSON_AddBoolToObject(o, "compiled", g->compile != NULL);
		cJSON_AddStringToObject(o, "image", g->image);
		cJSON_AddStringToObject(o, "file", g->file);
		cJSON_AddItemToArray(a, o);
	}
	return respond_json(c, 200, a);
}

static enum MHD_Result route_health(struct MHD_Connection *c)
{
	cJSON *o = sched_health();
	return respond_json(c, M.engine_ok ? 200 : 503, o);
}

static enum MHD_Result route_execute(struct MHD_Connection *c, struct reqctx *x)
{
	struct req_error e;
	cJSON *spec;
	if (x->too_big) {
		char msg[96];
		snprintf(msg, sizeof(msg), "the request body is larger than the limit of %d KiB", M.cfg.body_kb);
		return respond(c, 413, json_error(msg, NULL), NULL);
	}
	if (request_parse(x->body.data ? x->body.data : "", x->body.len, &M.cfg, &spec, &e) < 0)
		return respond(c, e.http, request_error_json(&e), NULL);
	const char *lang = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(spec, "lang"), "id"));
	int http = 0;
	char *body = NULL;
	struct job *j = sched_submit(spec, lang, c, &http, &body);
	if (!j) {
		cJSON_Delete(spec);
		return respond(c, http, body, NULL);
	}
	x->job = j;
	MHD_suspend_connection(c);
	sched_kick();
	return MHD_YES;
}

static int path_is(const char *url, const char *a, const char *b)
{
	return !strcmp(url, a) || (b && !strcmp(url, b));
}

static enum MHD_Result route(struct MHD_Connection *c, const char *url, const char *method, struct reqctx *x)
{
	int get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
	int post = !strcmp(method, "POST");
	if (path_is(url, "/execute", "/api/v1/execute")) {
		if (!post)
			return respond(c, 405, json_error("use POST for /execute", NULL), "POST");
		return route_execute(c, x);
	}
	if (path_is(url, "/languages", "/api/v1/languages")) {
		if (!get)
			return respond(c, 405, json_error("use GET for /languages", NULL), "GET, HEAD");
		return route_languages(c);
	}
	if (path_is(url, "/health", "/api/v1/health")) {
		if (!get)
			return respond(c, 405, json_error("use GET for /health", NULL), "GET, HEAD");
		return route_health(c);
	}
	char msg[200];
	snprintf(msg, sizeof(msg), "no such endpoint: %.100s (see POST /execute, GET /languages, GET /health)", url);
	return respond(c, 404, json_error(msg, NULL), NULL);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *data, size_t *size, void **ctxp)
{
	(void)cls;
	(void)version;
	struct reqctx *x = *ctxp;
	if (!x) {
		if (!(x = calloc(1, sizeof(*x))))
			return MHD_NO;
		buf_init(&x->body, (size_t)M.cfg.body_kb * 1024);
		*ctxp = x;
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
		if (cl && strtoull(cl, NULL, 10) > x->body.max)
			x->too_big = 1;
		return MHD_YES;
	}
	if (*size) {
		if (!x->too_big && buf_append(&x->body, data, *size) < 0)
			x->too_big = 1;
		*size = 0;
		if (x->too_big && !x->responded) {
			x->responded = 1;
			return route_execute(c, x);
		}
		return MHD_YES;
	}
	if (x->job) {
		/* resumed: the job is done */
		struct job *j = x->job;
		x->job = NULL;
		enum MHD_Result rc = respond(c, j->http, j->body, NULL);
		free(j);
		return rc;
	}
	if (x->responded)
		return MHD_YES;
	return route(c, url, method, x);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **ctxp, enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	struct reqctx *x = *ctxp;
	if (!x)
		return;
	if (x->job) {
		if (x->job->done) {
			free(x->job->body);
			free(x->job);
		} else {
			x->job->conn = NULL; /* the result will be dropped */
		}
	}
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

int http_start(void)
{
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)M.cfg.port);
	if (inet_pton(AF_INET, M.cfg.address, &sa.sin_addr) != 1) {
		log_error("server.address \"%s\" is not an IPv4 address", M.cfg.address);
		return -1;
	}
	unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG | MHD_USE_ITC;
	daemon_ = MHD_start_daemon(flags, (uint16_t)M.cfg.port, NULL, NULL, on_request, NULL,
				   MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
				   MHD_OPTION_SOCK_ADDR, &sa,
				   MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
				   MHD_OPTION_CONNECTION_LIMIT, (unsigned)M.cfg.max_connections,
				   MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)M.cfg.connection_timeout_s,
				   MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)64 * 1024,
				   MHD_OPTION_END);
	if (!daemon_) {
		log_error("cannot listen on %s:%d", M.cfg.address, M.cfg.port);
		return -1;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT);
	log_info("listening on http://%s:%u", M.cfg.address, info ? info->port : (unsigned)M.cfg.port);
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
	const union MHD_DaemonInfo *i = daemon_ ? MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_EPOLL_FD) : NULL;
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

void http_resume(struct job *j)
{
	MHD_resume_connection(j->conn);
}
