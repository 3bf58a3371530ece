/*
 * http_routes.c - the REST front's endpoints, on http.c's plumbing: admission (API key, rates),
 * the executions, /submissions, the Judge0 API, /problems and the small GET routes. Handed to
 * http_start() as its router, so the plumbing never names a route.
 */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "admit.h"
#include "clock.h"
#include "health.h"
#include "http_priv.h"
#include "http_routes.h"
#include "jobs.h"
#include "jsonutil.h"
#include "judge0.h"
#include "metrics.h"
#include "piston.h"
#include "problems.h"
#include "request.h"
#include "scheduler.h"
#include "subs.h"
#include "v1.h"
#include "web.h"

static struct master *m;

static enum MHD_Result route_languages(struct MHD_Connection *c, struct reqctx *x)
{
	return http_respond_json(c, x, 200, v1_languages(m));
}

static enum MHD_Result route_health(struct MHD_Connection *c, struct reqctx *x)
{
	return http_respond_json(c, x, health_http_status(m), health_render(m));
}

static enum MHD_Result route_metrics(struct MHD_Connection *c, struct reqctx *x)
{
	metrics_request(x->path, 200); /* counted before rendering, so a scrape sees itself */
	char *text = metrics_render(m);
	http_access_log(x, 200);
	return http_respond_as(c, NULL, 200, text, "text/plain; version=0.0.4; charset=utf-8", NULL,
			       NULL);
}

/* The job's completion callback: its connection resumes, and http.c's on_request answers. */
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
		return http_respond(c, x, 413, pv2 ? piston_error_body(b) : b, NULL);
	}
	const char *data = x->body.data ? x->body.data : "";
	if (pv2 ? piston_parse(m, data, x->body.len, &spec, &e)
		: (v1 ? v1_parse : request_parse)(data, x->body.len, &m->cfg, &spec, &e))
		return http_respond(c, x, e.http,
				    (pv2 ? piston_error_json : request_error_json)(&e), NULL);
	const char *lang = request_lang_id(spec);
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
		return http_respond(c, x, http, pv2 ? piston_error_body(body) : body, NULL);
	}
	x->job = j;
	x->job_id = j->id;
	snprintf(x->lang, sizeof(x->lang), "%s", lang);
	http_suspend(c, x);
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

/* A submission's answer (subs.c): the connection resumes and http.c's on_request sends it. */
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
		return http_respond(c, x, http, body,
				    http != 405 ? NULL
				    : tok	? "GET, DELETE"
						: "GET, POST");
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
		return http_respond(c, x, http, body, http == 405 ? judge0_allow(rest) : NULL);
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
		return http_respond(c, x, http, body,
				    http != 405 ? NULL
				    : r.id	? "GET, PUT, DELETE"
						: "POST");
	MHD_suspend_connection(c);
	return MHD_YES;
}

/* Auth, then rates: refused requests do no work and leave no trace in execution counters. */
static int admission(struct MHD_Connection *c, struct reqctx *x, int executes, enum MHD_Result *rc)
{
	const char *key = api_key(c);
	if (!admit_key_ok(&m->cfg, key)) {
		*rc = http_respond_as(
			c, x, 401,
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
	*rc = http_respond_as(c, x, 429, json_error(v.msg, NULL), "application/json", "Retry-After",
			      ra);
	return 1;
}

static enum MHD_Result route_openapi(struct MHD_Connection *c, struct reqctx *x)
{
	return http_respond(c, x, 200, v1_openapi(), NULL);
}

static enum MHD_Result route_spec(struct MHD_Connection *c, struct reqctx *x)
{
	return http_respond_json(c, x, 200, v1_spec(m));
}

static enum MHD_Result route_runtimes(struct MHD_Connection *c, struct reqctx *x)
{
	return http_respond_json(c, x, 200, piston_runtimes(m));
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
	return http_respond(c, x, 405, json_error(msg, NULL), "GET, HEAD");
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
		return http_respond(c, x, 400, json_error(msg, NULL), NULL);
	}
	int get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
	int post = !strcmp(method, "POST");
	int exec = path_is(url, "/execute", "/api/v1/execute") ||
		   path_is(url, "/v1/exec", PISTON_EXECUTE);
	if (!strcmp(method, "OPTIONS"))
		return http_respond(c, x, 204, strdup(""), NULL);
	if (piston_path(url) && !piston_route_known(url, method)) /* as Piston's express app */
		return http_respond(c, x, 404, piston_not_found(), NULL);
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
			return http_respond(c, x, 405,
					    json_error("use POST for this endpoint", NULL), "POST");
		return route_execute(c, x);
	}
	if (g)
		return get_route_serve(c, x, g, get);
	char msg[200];
	snprintf(msg, sizeof(msg),
		 "no such endpoint: %.100s (see GET /openapi.json)", url);
	return http_respond(c, x, 404, json_error(msg, NULL), NULL);
}

/* The request's body is complete: an execution's body over the cap is answered 413 at once, with
 * no admission; anything else is routed. */
static enum MHD_Result router_serve(struct MHD_Connection *c, const char *url, const char *method,
				    struct reqctx *x)
{
	if (x->too_big && !is_problems(url))
		return route_execute(c, x);
	return route(c, url, method, x);
}

/* A declared body over the cap, refused before it is read. */
static enum MHD_Result router_refuse(struct MHD_Connection *c, const char *url, const char *method,
				     struct reqctx *x)
{
	return is_problems(url) ? route_problems(c, x, url, method) : route_execute(c, x);
}

/* A problem package may be larger than an execution's request. */
static size_t router_body_max(const char *url)
{
	return is_problems(url) ? (size_t)m->cfg.problems_max_mb << 20
				: (size_t)m->cfg.body_kb * 1024;
}

const struct http_router *http_routes(struct master *state)
{
	static const struct http_router r = { router_body_max, router_serve, router_refuse };
	m = state;
	return &r;
}
