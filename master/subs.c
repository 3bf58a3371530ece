/*
 * subs.c - asynchronous submissions (see subs.h). POST admits the job (sched_submit) and puts
 * the row; the 201 goes out once the store has committed it. The job's start and end reach the
 * store as updates (store_proc_update), so its status goes queued -> running -> done/failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "admit.h"
#include "callbacks.h"
#include "jobs.h"
#include "jsonutil.h"
#include "judge0_json.h"
#include "log.h"
#include "request.h"
#include "scheduler.h"
#include "sha256.h"
#include "store.h"
#include "store_proc.h"
#include "subs_json.h"
#include "subs.h"
#include "wire.h"

/* A POST's parts, kept while its callback_url is checked. */
struct post_args {
	cJSON *spec;                 /* the parsed request */
	char *cb_url;                /* callback_url, or NULL */
	char owner[STORE_OWNER_LEN + 1];
	int wait;
	char *request;               /* the body as received, stored */
};

/* An HTTP answer that waits: for the store's reply, for the check of a callback_url, or
 * (?wait=true) for the job. */
struct subs_call {
	subs_answer_fn fn;
	void *conn;
	uint32_t req;                /* a GET, LIST or DELETE in flight */
	uint32_t check;              /* a callback_url's check in flight (pa) */
	struct post_args *pa;
	struct sub *sub;             /* a POST's submission */
	int list_limit;
	int raw;                     /* answer a GET with the row itself (judge0.c) */
};

/* A submission's job in the master. Freed once the job ended and the PUT was answered. */
struct sub {
	char token[STORE_TOKEN_LEN + 1];
	struct job *job;             /* until it ends */
	struct subs_call *call;      /* the client waiting, if any */
	int wait;                    /* ?wait=true: answered with the job's result */
	int put_done, dropped;       /* the store answered the PUT; it failed: the job is moot */
	int attempt;                 /* this run's number: 1, or the stored attempts + 1 */
	int http;                    /* the job's answer, when it ends before the PUT's reply */
	char *body;
	char *cb_url;                /* callback_url: the result goes there at the end */
	char *j0_request;            /* with cb_url, a Judge0 request: its body (the PUT's shape) */
	int64_t created_ms;
};

static struct master *m;
static struct {
	int active, asking;
	int64_t after, upto;         /* rows after..upto: those stored before this run began */
	int requeued, failed;
} rec;                               /* the re-run of unfinished submissions after a start */

void subs_init(struct master *state)
{
	m = state;
}

/* request_parse, then the adjustments a Judge0 submission's body asks for (judge0_json.c). */
static int parse(const char *body, size_t len, cJSON **spec, struct req_error *e)
{
	if (request_parse(body, len, &m->cfg, spec, e) < 0)
		return -1;
	if (judge0_patch_spec(body, len, *spec, e) < 0) {
		cJSON_Delete(*spec);
		*spec = NULL;
		return -1;
	}
	return 0;
}

/* A copy of a Judge0 request (one with a "judge0" member) that has a callback, else NULL. */
static char *judge0_request_copy(const char *cb_url, const char *request)
{
	return cb_url && request && strstr(request, "\"judge0\"") ? strdup(request) : NULL;
}

static void answer(struct subs_call *c, int http, char *body, const char *token)
{
	if (c->sub)
		c->sub->call = NULL;
	if (c->conn)
		c->fn(c->conn, http, body, token);
	else
		free(body);
	free(c);
}

static void post_args_free(struct post_args *pa)
{
	if (!pa)
		return;
	cJSON_Delete(pa->spec);
	free(pa->cb_url);
	free(pa->request);
	free(pa);
}

void subs_forget(struct subs_call *c)
{
	if (c->req)
		store_proc_forget(c->req);
	if (c->check)
		callbacks_forget(c->check);
	post_args_free(c->pa);
	if (c->sub)
		c->sub->call = NULL;
	free(c);
}

static void sub_free_if_over(struct sub *s)
{
	if (s->job || !s->put_done || s->call)
		return;
	free(s->body);
	free(s->cb_url);
	free(s->j0_request);
	free(s);
}

static char *error503(const char *what, const char *why)
{
	char msg[400];
	snprintf(msg, sizeof(msg), "%s: %s", what, why ? why : "the store is unavailable");
	return json_error(msg, NULL);
}

/* ---- the job's life, told to the store ---- */

static void sub_started(struct job *j, void *arg)
{
	struct sub *s = arg;
	(void)j;
	if (s->dropped)
		return;
	cJSON *q = cJSON_CreateObject();
	cJSON_AddStringToObject(q, "token", s->token);
	cJSON_AddNumberToObject(q, "attempt", s->attempt);
	cJSON_AddNumberToObject(q, "now_ms", (double)subs_now_ms());
	store_proc_update(MSG_ST_START, q);
}

/* The result (fin: the MSG_ST_FINISH request) to s's callback_url, as GET shows it. */
static void sub_callback(const struct sub *s, const char *lang, const cJSON *fin)
{
	if (s->j0_request) { /* Judge0's shape, PUT as Judge0 does (judge0_json.c) */
		const char *url;
		cJSON *scratch;
		int http = (int)json_num(fin, "http", 500);
		char *b = judge0_callback_body(s->j0_request, s->token, http,
					       json_str(fin, "result", "{}"), &url, &scratch);
		if (b)
			callbacks_send(s->cb_url, "PUT", b, strlen(b));
		free(b);
		cJSON_Delete(scratch);
		return;
	}
	cJSON *row = cJSON_Duplicate(fin, 1);
	cJSON_AddStringToObject(row, "lang", lang);
	cJSON_AddNumberToObject(row, "created_ms", (double)s->created_ms);
	cJSON_AddNumberToObject(row, "updated_ms", json_num(fin, "now_ms", 0));
	cJSON_AddNumberToObject(row, "attempts", s->attempt);
	char *body = subs_render_row(row);
	cJSON_Delete(row);
	if (body)
		callbacks_send(s->cb_url, "POST", body, strlen(body));
	else
		log_errorx("submission %s: out of memory for its callback", s->token);
	free(body);
}

static void sub_done(struct job *j, void *arg)
{
	struct sub *s = arg;
	s->job = NULL;
	/* ended by a stop (queued, or running past the drain): it stays queued or running in the
	 * store, and the next start runs it */
	int stopped = m->stopping != STOP_NONE && j->http == 503;
	if (!s->dropped && !stopped) {
		cJSON *q = cJSON_CreateObject();
		cJSON_AddStringToObject(q, "token", s->token);
		cJSON_AddNumberToObject(q, "status", j->http == 200 ? ST_DONE : ST_FAILED);
		cJSON_AddNumberToObject(q, "http", j->http);
		char *clipped = subs_clip_result(j->body ? j->body : "{}",
						 (size_t)m->cfg.store_result_kb * 1024);
		cJSON_AddStringToObject(q, "result", clipped ? clipped : "{}");
		free(clipped);
		cJSON_AddNumberToObject(q, "now_ms", (double)subs_now_ms());
		if (s->cb_url)
			sub_callback(s, j->lang, q);
		store_proc_update(MSG_ST_FINISH, q);
	}
	if (s->wait && s->call && s->put_done) {
		answer(s->call, j->http, j->body, s->token);
		j->body = NULL;
	} else if (s->wait && s->call) { /* answered when the PUT is */
		s->http = j->http;
		s->body = j->body;
		j->body = NULL;
	}
	jobs_free(j);
	sub_free_if_over(s);
}

static void put_reply(void *arg, const cJSON *reply, const char *why)
{
	struct sub *s = arg;
	int ok = reply && cJSON_IsTrue(cJSON_GetObjectItem(reply, "ok"));
	s->put_done = 1;
	if (!ok) {
		if (!why)
			why = cJSON_GetStringValue(cJSON_GetObjectItem(reply, "error"));
		log_warnx("submission %s not stored: %s", s->token, why ? why : "?");
		s->dropped = 1;
		if (s->call)
			answer(s->call, 503, error503("the submission could not be stored", why),
			       NULL);
		if (s->job) {
			sched_cancel(s->job); /* s is freed when the job ends: now if queued */
			return;
		}
	} else if (s->call && !s->wait) {
		char txt[80];
		snprintf(txt, sizeof(txt), "{\"token\":\"%s\"}", s->token);
		answer(s->call, 201, strdup(txt), s->token);
	} else if (s->call && !s->job) { /* ?wait=true and the job already ended */
		answer(s->call, s->http, s->body, s->token);
		s->body = NULL;
	}
	sub_free_if_over(s);
}

/* ---- POST /submissions ---- */

static int new_token(char out[STORE_TOKEN_LEN + 1])
{
	unsigned char b[STORE_TOKEN_LEN / 2];
	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
		log_warn("getrandom");
		return -1;
	}
	for (size_t i = 0; i < sizeof(b); i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	return 0;
}

/* Admits the job of a parsed request (spec taken over) under token (NULL: a new one): the
 * sub, or NULL with the answer. */
static struct sub *sub_admit(cJSON *spec, const char *token, int *http, char **body)
{
	struct sub *s = calloc(1, sizeof(*s));
	if (s && token)
		snprintf(s->token, sizeof(s->token), "%s", token);
	if (!s || (!token && new_token(s->token) < 0)) {
		free(s);
		cJSON_Delete(spec);
		*http = 500;
		*body = json_error("internal_error: no submission token could be made", NULL);
		return NULL;
	}
	const char *lang = request_lang_id(spec);
	s->job = sched_submit(spec, lang, sub_done, s, http, body);
	if (!s->job) {
		cJSON_Delete(spec);
		free(s);
		return NULL;
	}
	s->job->on_start = sub_started;
	s->job->keep_queued = 1; /* accepted and stored: it waits for a container however long */
	s->attempt = 1;
	return s;
}

/* 1 when the body is valid UTF-8: what a store keeps is text (PostgreSQL refuses other bytes). */
static int utf8_valid(const char *p, size_t n)
{
	size_t len;
	char *clean = utf8_sanitize(p, n, &len);
	int ok = clean && len == n && !memcmp(clean, p, n);
	free(clean);
	return ok;
}

/* Puts pa's submission (pa freed) and admits its job: 1 when c, attached to it, is answered
 * later; 0 with the answer in *http, *body (c unused). */
static int post_admit(struct post_args *pa, struct subs_call *c, int *http, char **body)
{
	if (!store_proc_up() || (rec.active && rec.upto < 0)) {
		post_args_free(pa);
		return *http = 503, *body = error503("the submission store is down",
						     m->store_error), 0;
	}
	const char *lang = cJSON_GetStringValue(
		cJSON_GetObjectItem(cJSON_GetObjectItem(pa->spec, "lang"), "id"));
	cJSON *q = cJSON_CreateObject();
	cJSON_AddStringToObject(q, "lang", lang ? lang : "");
	struct sub *s = sub_admit(pa->spec, NULL, http, body);
	pa->spec = NULL; /* taken over */
	if (!s) {
		cJSON_Delete(q);
		post_args_free(pa);
		return 0;
	}
	s->wait = pa->wait;
	s->job->keep_queued = !s->wait; /* ?wait=true: the queue timeout of /execute applies */
	s->cb_url = pa->cb_url;
	pa->cb_url = NULL;
	s->j0_request = judge0_request_copy(s->cb_url, pa->request);
	s->created_ms = subs_now_ms();
	cJSON_AddStringToObject(q, "token", s->token);
	cJSON_AddStringToObject(q, "owner", pa->owner);
	cJSON_AddStringToObject(q, "request", pa->request);
	cJSON_AddNumberToObject(q, "created_ms", (double)s->created_ms);
	post_args_free(pa);
	const char *why;
	if (!store_proc_request(MSG_ST_PUT, q, put_reply, s, &why)) {
		s->put_done = s->dropped = 1;
		sched_cancel(s->job); /* queued: it ends here, and s with it */
		return *http = 503, *body = error503("the submission could not be stored", why), 0;
	}
	c->sub = s;
	s->call = c;
	sched_kick();
	return 1;
}

/* The check of a POST's callback_url is over: the POST goes on, or is answered. */
static void post_checked(void *arg, int http, const char *why)
{
	struct subs_call *c = arg;
	struct post_args *pa = c->pa;
	c->check = 0;
	c->pa = NULL;
	char *body = NULL;
	if (http) {
		post_args_free(pa);
		answer(c, http, json_error(why, "callback_url"), NULL);
	} else if (!post_admit(pa, c, &http, &body)) {
		answer(c, http, body, NULL);
	}
}

/* The request's callback_url into pa->cb_url (NULL when absent): 0, or -1 with a 400. */
static int callback_of(const struct subs_req *r, struct post_args *pa, int *http, char **body)
{
	cJSON *o = cJSON_ParseWithLength(r->body ? r->body : "", r->len);
	const cJSON *u = cJSON_GetObjectItem(o, "callback_url");
	int rc = 0;
	if (u && !cJSON_IsNull(u) && !cJSON_IsString(u)) {
		*http = 400;
		*body = json_error("callback_url must be a string (an http:// or https:// URL)",
				   "callback_url");
		rc = -1;
	} else if (cJSON_IsString(u) && !(pa->cb_url = strdup(u->valuestring))) {
		*http = 500;
		*body = json_error("out of memory", NULL);
		rc = -1;
	}
	cJSON_Delete(o);
	return rc;
}

static int post(const struct subs_req *r, subs_answer_fn fn, void *conn, struct subs_call **call,
		int *http, char **body)
{
	struct req_error e;
	cJSON *spec;
	if (parse(r->body ? r->body : "", r->len, &spec, &e) < 0)
		return *http = e.http, *body = request_error_json(&e), 0;
	if (!utf8_valid(r->body ? r->body : "", r->body ? r->len : 0)) {
		cJSON_Delete(spec);
		*body = json_error("the request body is not valid UTF-8 (a stored submission is "
				   "text)", "body");
		return *http = 400, 0;
	}
	const char *src = json_str(spec, "source", "");
	if (strlen(src) > (size_t)m->cfg.store_source_kb * 1024) {
		cJSON_Delete(spec);
		char msg[120];
		snprintf(msg, sizeof(msg),
			 "source_code is larger than store.max_source_kb (%d KiB)",
			 m->cfg.store_source_kb);
		return *http = 413, *body = json_error(msg, "source_code"), 0;
	}
	struct post_args *pa = calloc(1, sizeof(*pa));
	struct subs_call *c = calloc(1, sizeof(*c));
	if (!pa || !c || !(pa->request = strndup(r->body ? r->body : "", r->len))) {
		cJSON_Delete(spec);
		post_args_free(pa);
		free(c);
		return *http = 500, *body = json_error("out of memory", NULL), 0;
	}
	pa->spec = spec;
	pa->wait = r->wait && !strcmp(r->wait, "true");
	admit_owner(&m->cfg, r->key, pa->owner);
	cJSON_AddStringToObject(spec, "reuse_key", pa->owner); /* pool.reuse_scope "key" */
	*c = (struct subs_call){ .fn = fn, .conn = conn };
	char why[400];
	int rc = callback_of(r, pa, http, body) < 0 ? -2
		 : pa->cb_url ? callbacks_check(pa->cb_url, post_checked, c, &c->check, http, why,
						sizeof(why))
			      : 0;
	if (rc == 1) { /* its host is being resolved */
		c->pa = pa;
		*call = c;
		return 1;
	}
	if (rc == -1)
		*body = json_error(why, "callback_url");
	if (rc < 0 || !post_admit(pa, c, http, body)) {
		if (rc < 0)
			post_args_free(pa);
		free(c);
		return 0;
	}
	*call = c;
	return 1;
}

/* ---- after a restart: the unfinished submissions run again ---- */

void subs_store_up(int first)
{
	if (!first)
		return;
	rec.active = 1;
	rec.upto = -1; /* the store sets it on the first page */
	subs_timers(); /* asked now, before any new submission can be put */
}

static void finish_now(const char *token, int http, char *result)
{
	cJSON *q = cJSON_CreateObject();
	cJSON_AddStringToObject(q, "token", token);
	cJSON_AddNumberToObject(q, "status", ST_FAILED);
	cJSON_AddNumberToObject(q, "http", http);
	cJSON_AddStringToObject(q, "result", result ? result : "{}");
	cJSON_AddNumberToObject(q, "now_ms", (double)subs_now_ms());
	free(result);
	store_proc_update(MSG_ST_FINISH, q);
}

/* Queues one stored submission again: 0, or -1 when the queue has no room (later, then). */
static int recover_row(const cJSON *row)
{
	const char *req = json_str(row, "request", ""), *token = json_str(row, "token", "");
	struct req_error e;
	cJSON *spec;
	if (parse(req, strlen(req), &spec, &e) < 0) {
		/* valid when it was accepted; the config has changed since (e.g. a language) */
		finish_now(token, e.http, request_error_json(&e));
		rec.failed++;
		return 0;
	}
	int http;
	char *body = NULL;
	cJSON_AddStringToObject(spec, "reuse_key", json_str(row, "owner", ""));
	struct sub *s = sub_admit(spec, token, &http, &body);
	free(body);
	if (!s)
		return -1;
	s->put_done = 1;
	s->attempt = (int)json_num(row, "attempts", 0) + 1;
	s->created_ms = (int64_t)json_num(row, "created_ms", (double)subs_now_ms());
	cJSON *o = cJSON_Parse(req); /* its callback_url is checked again at delivery */
	const char *cb = cJSON_GetStringValue(cJSON_GetObjectItem(o, "callback_url"));
	s->cb_url = cb ? strdup(cb) : NULL;
	s->j0_request = judge0_request_copy(s->cb_url, req);
	cJSON_Delete(o);
	rec.requeued++;
	return 0;
}

static void pending_reply(void *arg, const cJSON *reply, const char *why)
{
	(void)arg;
	rec.asking = 0;
	if (!reply || !cJSON_IsTrue(cJSON_GetObjectItem(reply, "ok"))) {
		log_warnx("recovery of stored submissions: %s; trying again",
			  why ? why : json_str(reply, "error", "?"));
		return;
	}
	rec.upto = (int64_t)json_num(reply, "upto", 0);
	const cJSON *rows = cJSON_GetObjectItem(reply, "rows"), *row;
	if (cJSON_GetArraySize(rows) == 0) {
		rec.active = 0;
		log_info("recovery: %d stored submissions queued again, %d failed", rec.requeued,
			 rec.failed);
		return;
	}
	cJSON_ArrayForEach(row, rows) {
		if (recover_row(row) < 0)
			break;
		rec.after = (int64_t)json_num(row, "seq", 0);
	}
	sched_kick();
}

void subs_timers(void)
{
	if (!m)
		return;
	/* stored work takes at most half the queue: /execute keeps room */
	int room = m->cfg.queue_size / 2 - m->queue.len;
	if (!rec.active || rec.asking || !store_proc_up() || m->stopping != STOP_NONE || room < 1)
		return;
	cJSON *q = cJSON_CreateObject();
	cJSON_AddNumberToObject(q, "after", (double)rec.after);
	cJSON_AddNumberToObject(q, "upto", (double)rec.upto);
	cJSON_AddNumberToObject(q, "limit", room < 16 ? room : 16);
	if (store_proc_request(MSG_ST_PENDING, q, pending_reply, NULL, NULL))
		rec.asking = 1;
}

/* ---- GET, LIST, DELETE: one store request each ---- */

static void read_reply(void *arg, const cJSON *reply, const char *why)
{
	struct subs_call *c = arg;
	c->req = 0;
	int http;
	const cJSON *row = cJSON_GetObjectItem(reply, "row");
	if (c->raw && row && cJSON_IsTrue(cJSON_GetObjectItem(reply, "found")))
		return answer(c, 200, cJSON_PrintUnformatted(row), NULL);
	char *body = subs_render_reply(reply, why, c->list_limit, &http);
	answer(c, http, body, NULL);
}

static int ask(uint16_t type, cJSON *q, int list_limit, subs_answer_fn fn, void *conn,
	       struct subs_call **call, int *http, char **body)
{
	struct subs_call *c = calloc(1, sizeof(*c));
	if (!c) {
		cJSON_Delete(q);
		return *http = 500, *body = json_error("out of memory", NULL), 0;
	}
	*c = (struct subs_call){ .fn = fn, .conn = conn, .list_limit = list_limit };
	const char *why;
	c->req = store_proc_request(type, q, read_reply, c, &why);
	if (!c->req) {
		free(c);
		return *http = 503, *body = error503("the submission store is down", why), 0;
	}
	*call = c;
	return 1;
}

int subs_handle(const struct subs_req *r, subs_answer_fn fn, void *conn, struct subs_call **call,
		int *http, char **body)
{
	int get = !strcmp(r->method, "GET") || !strcmp(r->method, "HEAD");
	if (!r->token && !strcmp(r->method, "POST"))
		return post(r, fn, conn, call, http, body);
	if (!r->token && !get)
		return *http = 405, *body = json_error("use GET or POST for /submissions", NULL), 0;
	if (r->token && !get && strcmp(r->method, "DELETE"))
		return *http = 405,
		       *body = json_error("use GET or DELETE for /submissions/{token}", NULL), 0;
	char owner[STORE_OWNER_LEN + 1];
	admit_owner(&m->cfg, r->key, owner);
	if (!r->token) {
		int limit;
		cJSON *q = subs_list_query(r, &m->cfg, owner, &limit, http, body);
		return q ? ask(MSG_ST_LIST, q, limit, fn, conn, call, http, body) : 0;
	}
	if (!store_token_valid(r->token))
		return *http = 400,
		       *body = json_error("a token is 32 lowercase hex digits", "token"),
		       0;
	cJSON *q = cJSON_CreateObject();
	cJSON_AddStringToObject(q, "token", r->token);
	cJSON_AddStringToObject(q, "owner", owner);
	if (r->raw)
		cJSON_AddBoolToObject(q, "with_request", 1);
	int rc = ask(get ? MSG_ST_GET : MSG_ST_DELETE, q, 0, fn, conn, call, http, body);
	if (rc == 1)
		(*call)->raw = r->raw;
	return rc;
}
