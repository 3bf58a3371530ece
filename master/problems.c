/*
 * problems.c - POST /problems, GET, PUT and DELETE /problems/{id} (see problems.h): the package
 * is checked here (problem_pkg.c, in memory), stored by the store process (MSG_ST_PROB_*), and
 * the client answered from its reply, so the master never waits on a disk or a database.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs.h"
#include "jsonutil.h"
#include "log.h"
#include "problem_pkg.h"
#include "problems.h"
#include "request.h"
#include "scheduler.h"
#include "store_proc.h"
#include "wire.h"

struct problems_call {
	subs_answer_fn fn;
	void *conn;                  /* NULL once the client is gone */
	uint32_t req;
	int del;                     /* a DELETE: 204 when found */
	struct job *job;             /* the checker's compile, while it runs */
	cJSON *q;                    /* the MSG_ST_PROB_PUT waiting for it */
};

static struct master *m;

void problems_init(struct master *state)
{
	m = state;
}

void problems_forget(struct problems_call *c)
{
	if (c->req)
		store_proc_forget(c->req);
	if (c->job) { /* freed when the compile ends */
		c->conn = NULL;
		return;
	}
	cJSON_Delete(c->q);
	free(c);
}

/* What clients see of a stored version: its settings, no hashes. */
static cJSON *summary(const cJSON *man)
{
	static const char *const keys[] = { "id", "version", "created_ms", "time_limit",
					    "memory_limit_mb", "compare", "float_tolerance", NULL };
	cJSON *o = cJSON_CreateObject(), *t;
	for (int i = 0; keys[i]; i++) {
		const cJSON *v = cJSON_GetObjectItem(man, keys[i]);
		if (v)
			cJSON_AddItemToObject(o, keys[i], cJSON_Duplicate(v, 1));
	}
	const cJSON *g = cJSON_GetObjectItem(man, "groups");
	if (g)
		cJSON_AddItemToObject(o, "groups", cJSON_Duplicate(g, 1));
	const cJSON *ck = cJSON_GetObjectItem(man, "checker");
	if (ck) {
		cJSON *c = cJSON_AddObjectToObject(o, "checker");
		cJSON_AddStringToObject(c, "language", json_str(ck, "lang", ""));
		int compiled = cJSON_IsTrue(cJSON_GetObjectItem(ck, "compiled"));
		cJSON_AddBoolToObject(c, "compiled", compiled);
		cJSON_AddNumberToObject(c, "time_limit", json_num(ck, "time_limit", 0));
		cJSON_AddNumberToObject(c, "memory_limit_mb", json_num(ck, "memory_limit_mb", 0));
	}
	double bytes = 0;
	int n = 0;
	cJSON_ArrayForEach(t, cJSON_GetObjectItem(man, "tests")) {
		bytes += json_num(t, "in_bytes", 0) + json_num(t, "out_bytes", 0);
		n++;
	}
	cJSON_AddNumberToObject(o, "tests", n);
	cJSON_AddNumberToObject(o, "test_bytes", bytes);
	return o;
}

static char *render(const cJSON *reply, const char *why, int del, int *http)
{
	if (!reply || !cJSON_IsTrue(cJSON_GetObjectItem(reply, "ok"))) {
		char msg[400];
		if (!why)
			why = json_str(reply, "error", "the store is unavailable");
		snprintf(msg, sizeof(msg), "the problem store failed: %s", why);
		*http = 503;
		return json_error(msg, NULL);
	}
	const cJSON *found = cJSON_GetObjectItem(reply, "found");
	*http = (int)json_num(reply, "http", found && !cJSON_IsTrue(found) ? 404 : 200);
	if (*http >= 400)
		return json_error(json_str(reply, "message", "no such problem"), NULL);
	if (del) {
		*http = 204;
		return strdup("");
	}
	char *s = NULL;
	cJSON *o = summary(cJSON_GetObjectItem(reply, "problem"));
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

static void reply_cb(void *arg, const cJSON *reply, const char *why)
{
	struct problems_call *c = arg;
	int http;
	char *body = render(reply, why, c->del, &http);
	c->req = 0;
	c->fn(c->conn, http, body, NULL);
	free(c);
}

/* Sends q; 1 when the answer will come through fn, 0 with it now. */
static int ask(uint16_t type, cJSON *q, int del, subs_answer_fn fn, void *conn,
	       struct problems_call **call, int *http, char **body)
{
	struct problems_call *c = calloc(1, sizeof(*c));
	if (!c) {
		cJSON_Delete(q);
		return *http = 500, *body = json_error("out of memory", NULL), 0;
	}
	*c = (struct problems_call){ .fn = fn, .conn = conn, .del = del };
	const char *why = NULL;
	if (!(c->req = store_proc_request(type, q, reply_cb, c, &why))) {
		free(c);
		*body = render(NULL, why ? why : "the store is down", 0, http);
		return 0;
	}
	*call = c;
	return 1;
}

static int is_json(const struct problems_req *r)
{
	if (r->ctype && !strncasecmp(r->ctype, "application/json", 16))
		return 1;
	for (size_t i = 0; r->body && i < r->len; i++)
		if (r->body[i] != ' ' && r->body[i] != '\n' && r->body[i] != '\r' &&
		    r->body[i] != '\t')
			return r->body[i] == '{';
	return 0;
}

static void answer_now(struct problems_call *c, int http, char *body)
{
	if (c->conn)
		c->fn(c->conn, http, body, NULL);
	else
		free(body);
	cJSON_Delete(c->q);
	free(c);
}

/* The compiled checker (its ./main, base64) from the compile job's answer, into the checker
 * object; NULL, or why it cannot be stored (*http 400 for the problem setter's mistakes). */
static char *take_program(const struct job *j, cJSON *ck, int *http)
{
	cJSON *js = cJSON_Parse(j->body ? j->body : "");
	const cJSON *f = cJSON_GetArrayItem(cJSON_GetObjectItem(js, "output_files"), 0);
	char msg[600];
	*http = 400;
	if (j->http != 200 || !js) {
		snprintf(msg, sizeof(msg), "the checker could not be compiled (HTTP %d: %.300s)",
			 j->http, json_str(js, "error", "no answer"));
		*http = j->http == 200 ? 500 : j->http;
	} else if (!strcmp(json_str(js, "status", ""), "compile_error")) {
		snprintf(msg, sizeof(msg), "the checker does not compile: %.400s",
			 json_str(js, "compile_output", ""));
	} else if (!f || !cJSON_IsString(cJSON_GetObjectItem(f, "content")) ||
		   cJSON_IsTrue(cJSON_GetObjectItem(f, "truncated")) ||
		   strcmp(json_str(f, "encoding", ""), "base64")) {
		snprintf(msg, sizeof(msg), "the checker's compile made no usable ./main (%.200s)",
			 json_str(f, "error", "missing, or over limits.output_file_kb"));
	} else {
		cJSON_AddStringToObject(ck, "program", json_str(f, "content", ""));
		cJSON_Delete(js);
		return NULL;
	}
	cJSON_Delete(js);
	return json_error(msg, "checker");
}

static void checker_compiled(struct job *j, void *arg)
{
	struct problems_call *c = arg;
	cJSON *ck = cJSON_GetObjectItem(cJSON_GetObjectItem(c->q, "problem"), "checker");
	int http;
	char *err = take_program(j, ck, &http);
	c->job = NULL;
	jobs_free(j);
	if (err || !c->conn)
		return answer_now(c, http, err);
	const char *why = NULL;
	cJSON *q = c->q;
	c->q = NULL;
	if (!(c->req = store_proc_request(MSG_ST_PROB_PUT, q, reply_cb, c, &why)))
		answer_now(c, 503, render(NULL, why ? why : "the store is down", 0, &http));
}

/* What the workers need of the checker's language, kept with the problem's version. */
static void checker_lang(cJSON *ck, const struct lang *g)
{
	cJSON *run = cJSON_AddArrayToObject(ck, "run"), *env = cJSON_AddArrayToObject(ck, "env");
	for (int i = 0; g->run && g->run[i]; i++)
		cJSON_AddItemToArray(run, cJSON_CreateString(g->run[i]));
	for (int i = 0; g->env && g->env[i]; i++)
		cJSON_AddItemToArray(env, cJSON_CreateString(g->env[i]));
	cJSON_AddStringToObject(ck, "lang", g->id);
	cJSON_AddStringToObject(ck, "image", g->image);
	cJSON_AddStringToObject(ck, "file", g->file);
	cJSON_AddBoolToObject(ck, "compiled", g->compile != NULL);
}

/* A checker in a compiled language is compiled once, now, by a job like any other; its ./main
 * is stored with the version. One in an interpreted language is stored as its source. */
static int with_checker(cJSON *q, subs_answer_fn fn, void *conn, struct problems_call **call,
			int *http, char **body)
{
	cJSON *ck = cJSON_GetObjectItem(cJSON_GetObjectItem(q, "problem"), "checker");
	const struct lang *g = config_lang(&m->cfg, json_str(ck, "language", ""));
	checker_lang(ck, g);
	if (!g->compile) {
		cJSON_AddStringToObject(ck, "program", json_str(ck, "source", ""));
		return ask(MSG_ST_PROB_PUT, q, 0, fn, conn, call, http, body);
	}
	cJSON *b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "language", g->id);
	cJSON_AddStringToObject(b, "source_code", json_str(ck, "source", ""));
	const cJSON *files = cJSON_GetObjectItem(ck, "files");
	if (cJSON_GetArraySize(files) > 0)
		cJSON_AddItemToObject(b, "files", cJSON_Duplicate(files, 1));
	cJSON *of = cJSON_AddArrayToObject(b, "output_files");
	cJSON_AddItemToArray(of, cJSON_CreateString("main"));
	char *txt = cJSON_PrintUnformatted(b);
	cJSON_Delete(b);
	struct req_error e;
	cJSON *spec = NULL;
	int rc = txt ? request_parse(txt, strlen(txt), &m->cfg, &spec, &e) : -1;
	free(txt);
	struct problems_call *c = rc == 0 ? calloc(1, sizeof(*c)) : NULL;
	if (!c) {
		cJSON_Delete(q);
		cJSON_Delete(spec);
		if (rc == 0 || !txt)
			return *http = 500, *body = json_error("out of memory", NULL), 0;
		snprintf(e.field, sizeof(e.field), "checker");
		return *http = e.http, *body = request_error_json(&e), 0;
	}
	*c = (struct problems_call){ .fn = fn, .conn = conn, .q = q };
	c->job = sched_submit(spec, g->id, checker_compiled, c, http, body);
	if (!c->job) {
		cJSON_Delete(spec);
		c->conn = NULL;
		answer_now(c, 0, NULL);
		return 0;
	}
	*call = c;
	sched_kick();
	return 1;
}

/* POST (id from the body or ?id=) and PUT (id from the path). */
static int store_pkg(const struct problems_req *r, subs_answer_fn fn, void *conn,
		     struct problems_call **call, int *http, char **body)
{
	struct req_error e;
	cJSON *p = is_json(r) ? problem_pkg_json(r->body ? r->body : "", r->len, &m->cfg, &e)
			      : problem_pkg_tar(r->body ? r->body : "", r->len, &m->cfg, &e);
	if (!p)
		return *http = e.http, *body = request_error_json(&e), 0;
	const char *id = r->id ? r->id : json_str(p, "id", r->qid ? r->qid : "");
	if (r->id && cJSON_GetObjectItem(p, "id") && strcmp(json_str(p, "id", ""), r->id)) {
		cJSON_Delete(p);
		return *http = 400, *body = json_error("id differs from the path's", "id"), 0;
	}
	if (!problem_pkg_id_valid(id)) {
		cJSON_Delete(p);
		return *http = 400,
		       *body = json_error("id must be 1 to 64 letters, digits, '_', '.', '-' (in "
					  "the JSON body or ?id=)", "id"), 0;
	}
	cJSON *q = cJSON_CreateObject();
	cJSON_AddStringToObject(q, "id", id);
	cJSON_AddBoolToObject(q, "create", r->id == NULL);
	cJSON_AddItemToObject(q, "problem", p);
	if (cJSON_GetObjectItem(p, "checker"))
		return with_checker(q, fn, conn, call, http, body);
	return ask(MSG_ST_PROB_PUT, q, 0, fn, conn, call, http, body);
}

int problems_handle(const struct problems_req *r, subs_answer_fn fn, void *conn,
		    struct problems_call **call, int *http, char **body)
{
	int post = !strcmp(r->method, "POST"), put = !strcmp(r->method, "PUT");
	int get = !strcmp(r->method, "GET") || !strcmp(r->method, "HEAD");
	int del = !strcmp(r->method, "DELETE");
	if (r->too_big) {
		char msg[120];
		snprintf(msg, sizeof(msg),
			 "the body is larger than problems.max_problem_mb (%d MiB)",
			 m->cfg.problems_max_mb);
		return *http = 413, *body = json_error(msg, NULL), 0;
	}
	if (!r->id ? !post : !(put || get || del))
		return *http = 405, *body = json_error(!r->id ? "use POST for /problems"
							      : "use GET, PUT or DELETE",
						       NULL), 0;
	if (r->id && !problem_pkg_id_valid(r->id))
		return *http = 404, *body = json_error("no such problem", "id"), 0;
	if (post || put)
		return store_pkg(r, fn, conn, call, http, body);
	cJSON *q = cJSON_CreateObject();
	cJSON_AddStringToObject(q, "id", r->id);
	if (del)
		return ask(MSG_ST_PROB_DEL, q, 1, fn, conn, call, http, body);
	char *end = NULL;
	long v = r->version ? strtol(r->version, &end, 10) : 0;
	if (r->version && (!*r->version || *end || v < 1 || v > 1000000000)) {
		cJSON_Delete(q);
		return *http = 400, *body = json_error("version must be a positive integer",
						       "version"), 0;
	}
	cJSON_AddNumberToObject(q, "version", (double)v);
	return ask(MSG_ST_PROB_GET, q, 0, fn, conn, call, http, body);
}
