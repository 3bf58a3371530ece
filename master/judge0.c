/*
 * judge0.c - the Judge0 CE API drop-in (see judge0.h): each Judge0 submission becomes a native
 * request body (judge0_json.c) run through the submission store (subs.c: same tokens, same key
 * isolation) and each answer is rendered back in Judge0's shape; GET /languages, /statuses, /about.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admit.h"
#include "jobs.h"
#include "jsonutil.h"
#include "judge0.h"
#include "judge0_json.h"
#include "judge0_map.h"
#include "log.h"
#include "request.h"
#include "scheduler.h"
#include "store.h"
#include "store_proc.h"
#include "version.h"

#define BATCH_MAX 20 /* Judge0's MAX_SUBMISSION_BATCH_SIZE default */

enum kind { K_POST, K_GET, K_BATCH_POST, K_BATCH_GET, K_DIRECT };

struct part {
	struct judge0_call *owner;
	struct subs_call *sc; /* while its answer is awaited */
	int done, http;
	char token[STORE_TOKEN_LEN + 1]; /* set with a job's result (?wait=true) */
	char *body;			 /* the answer; or, for an invalid batch entry, its 422 */
};

struct judge0_call {
	subs_answer_fn fn;
	void *conn;
	enum kind kind;
	int base64, wait, pending, nparts;
	cJSON *fields;
	cJSON *request;	 /* K_POST, K_DIRECT: the native body, parsed */
	struct job *job; /* K_DIRECT while it runs */
	struct part parts[BATCH_MAX];
};

static struct master *m;

void judge0_init(struct master *state)
{
	m = state;
}

int judge0_path(const struct config *c, const char *url, const char **rest)
{
	size_t n = strlen(c->judge0_prefix);
	if (strncmp(url, c->judge0_prefix, n) || (url[n] && url[n] != '/'))
		return 0;
	*rest = url + n;
	return 1;
}

const char *judge0_allow(const char *rest)
{
	if (!strcmp(rest, "/submissions"))
		return "POST";
	if (!strcmp(rest, "/submissions/batch"))
		return "GET, POST";
	return !strncmp(rest, "/submissions/", 13) ? "GET, DELETE" : "GET";
}

int judge0_executes(const char *method, const char *rest)
{
	return !strcmp(method, "POST") && !strncmp(rest, "/submissions", 12);
}

static char *error_json(const char *msg)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "error", msg);
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

static char *print(cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

static void call_free(struct judge0_call *c)
{
	for (int i = 0; i < c->nparts; i++)
		free(c->parts[i].body);
	cJSON_Delete(c->fields);
	cJSON_Delete(c->request);
	free(c);
}

void judge0_forget(struct judge0_call *c)
{
	for (int i = 0; i < c->nparts; i++)
		if (c->parts[i].sc)
			subs_forget(c->parts[i].sc);
	if (c->job)
		jobs_detach(c->job); /* its answer is dropped; it is freed when it ends */
	call_free(c);
}

static cJSON *language_json(const struct judge0_lang *j, int full);

/* The name GET /languages shows for the Judge0 language id of a native request body. */
static void language_name(const cJSON *request, char *out, size_t n)
{
	const cJSON *meta = cJSON_GetObjectItem(request, "judge0");
	const struct judge0_lang *j = judge0_lang_find((int)json_num(meta, "language_id", 0));
	cJSON *l = j ? language_json(j, 0) : NULL;
	snprintf(out, n, "%s", json_str(l, "name", ""));
	cJSON_Delete(l);
}

/* ---- answers in Judge0's shape ---- */

/* A native refusal of a POST (400/413: a field; 503: queue full or store down). */
static char *refusal(int *http, const char *body)
{
	cJSON *b = cJSON_Parse(body);
	const char *msg = json_str(b, "error", "refused"), *field = json_str(b, "field", NULL);
	char *out;
	if (*http == 400 || *http == 413) {
		struct req_error e = { .http = *http };
		snprintf(e.field, sizeof(e.field), "%s", field ? field : "");
		snprintf(e.msg, sizeof(e.msg), "%s", msg);
		*http = 422;
		out = print(judge0_error_422(&e));
	} else {
		out = error_json(*http == 503 && strstr(msg, "queue is full") ? "queue is full"
									      : msg);
	}
	cJSON_Delete(b);
	return out;
}

/* A stored row (the store's GET reply) rendered with the call's fields. */
static cJSON *render_row(const struct judge0_call *c, const char *rowtext)
{
	cJSON *row = cJSON_Parse(rowtext);
	cJSON *req = cJSON_Parse(json_str(row, "request", "{}"));
	const char *res = json_str(row, "result", NULL);
	cJSON *result = res ? cJSON_Parse(res) : NULL;
	char created[40] = "", finished[40] = "", name[128];
	int st = (int)json_num(row, "status", 0);
	language_name(req, name, sizeof(name));
	subs_iso_time(json_num(row, "created_ms", 0), created, sizeof(created));
	subs_iso_time(json_num(row, "updated_ms", 0), finished, sizeof(finished));
	struct judge0_sub s = {
		.token = json_str(row, "token", NULL),
		.request = req,
		.result = st == ST_DONE || st == ST_FAILED ? result : NULL,
		.http = (int)json_num(row, "http", 500),
		.running = st == ST_RUNNING,
		.created_at = created,
		.finished_at = finished,
		.language_name = name,
	};
	cJSON *o = judge0_render(&s, c->fields, c->base64);
	cJSON_Delete(result);
	cJSON_Delete(req);
	cJSON_Delete(row);
	return o;
}

/* A waited-for result (native answer http/body) rendered as the 201 of a POST. */
static char *render_result(const struct judge0_call *c, int http, const char *body,
			   const char *token)
{
	cJSON *result = cJSON_Parse(body ? body : "{}");
	char now[40], name[128];
	subs_iso_time((double)subs_now_ms(), now, sizeof(now));
	language_name(c->request, name, sizeof(name));
	struct judge0_sub s = { .token = token,
				.request = c->request,
				.result = result,
				.http = http,
				.created_at = now,
				.finished_at = now,
				.language_name = name };
	cJSON *o = judge0_render(&s, c->fields, c->base64);
	cJSON_Delete(result);
	return print(o);
}

static void finish_one(struct judge0_call *c, struct part *p, int *http, char **body)
{
	if (c->kind == K_GET) {
		cJSON *b = p->http == 200 ? NULL : cJSON_Parse(p->body);
		*http = p->http;
		*body = p->http == 200
				? print(render_row(c, p->body))
				: error_json(p->http == 404 ? "Not Found"
							    : json_str(b, "error", "failed"));
		cJSON_Delete(b);
	} else if (p->http == 422 || (p->http == 201 && !c->wait)) { /* its 422, or {"token"} */
		*http = p->http;
		*body = p->body;
		p->body = NULL;
	} else if (c->wait && (p->token[0] || c->kind == K_DIRECT)) { /* the job's result */
		*http = 201;
		*body = render_result(c, p->http, p->body, p->token[0] ? p->token : NULL);
	} else {
		*http = p->http;
		*body = refusal(http, p->body);
	}
}

/* All parts answered: the call's answer. */
static void finish(struct judge0_call *c, int *http, char **body)
{
	if (c->kind != K_BATCH_POST && c->kind != K_BATCH_GET)
		return finish_one(c, &c->parts[0], http, body);
	cJSON *a = cJSON_CreateArray();
	int any = 0;
	for (int i = 0; i < c->nparts; i++) {
		struct part *p = &c->parts[i];
		cJSON *v;
		if (c->kind == K_BATCH_GET)
			v = p->http == 200 ? render_row(c, p->body) : cJSON_CreateNull();
		else if (p->http == 201)
			v = cJSON_Parse(p->body), any = 1;
		else if (p->http == 422)
			v = cJSON_Parse(p->body);
		else
			v = (p->body = refusal(&p->http, p->body), cJSON_Parse(p->body));
		cJSON_AddItemToArray(a, v ? v : cJSON_CreateNull());
	}
	if (c->kind == K_BATCH_GET) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddItemToObject(o, "submissions", a);
		*http = 200;
		*body = print(o);
	} else {
		*http = any ? 201 : 422;
		*body = print(a);
	}
}

static void answer_now(struct judge0_call *c)
{
	int http;
	char *body = NULL;
	finish(c, &http, &body);
	c->fn(c->conn, http, body, NULL);
	call_free(c);
}

/* subs.c's answer to one part. */
static void part_answered(void *arg, int http, char *body, const char *token)
{
	struct part *p = arg;
	struct judge0_call *c = p->owner;
	p->sc = NULL;
	p->done = 1;
	p->http = http;
	p->body = body;
	snprintf(p->token, sizeof(p->token), "%s", token ? token : "");
	if (--c->pending == 0)
		answer_now(c);
}

/* Starts part i with the subs request r (answered now or later). */
static void part_start(struct judge0_call *c, int i, const struct subs_req *r)
{
	struct part *p = &c->parts[i];
	p->owner = c;
	c->pending++;
	if (!subs_handle(r, part_answered, p, &p->sc, &p->http, &p->body)) {
		p->done = 1;
		c->pending--;
	}
}

/* ---- the submissions ---- */

static void direct_done(struct job *j, void *arg)
{
	struct judge0_call *c = arg;
	c->job = NULL;
	c->parts[0].http = j->http;
	c->parts[0].body = j->body;
	j->body = NULL;
	jobs_free(j);
	answer_now(c);
}

/* ?wait=true while the store is down: run it like /execute, unstored (token null). */
static int post_direct(struct judge0_call *c, const char *native, const char *key, int *http,
		       char **body)
{
	struct req_error e;
	cJSON *spec;
	if (request_parse(native, strlen(native), &m->cfg, &spec, &e) < 0 ||
	    judge0_patch_spec(native, strlen(native), spec, &e) < 0) {
		*http = 422;
		*body = print(judge0_error_422(&e));
		return 0;
	}
	const char *lang = request_lang_id(spec);
	char owner[65];
	admit_owner(&m->cfg, key, owner);
	cJSON_AddStringToObject(spec, "reuse_key", owner); /* pool.reuse_scope "key" */
	c->kind = K_DIRECT;
	c->nparts = 1;
	c->job = sched_submit(spec, lang, direct_done, c, http, body);
	if (!c->job) {
		cJSON_Delete(spec);
		*body = refusal(http, *body);
		return 0;
	}
	sched_kick();
	return 1;
}

/* One Judge0 submission s to part i: its native body, or its 422 in the part. */
static char *convert(struct judge0_call *c, int i, const cJSON *s)
{
	cJSON *errors = NULL;
	char *native = cJSON_IsObject(s) ? judge0_to_native(s, c->base64, &m->cfg, &errors) : NULL;
	if (!native) {
		if (!errors) {
			errors = cJSON_CreateObject();
			cJSON_AddItemToObject(
				errors, "submission",
				cJSON_CreateStringArray((const char *[]){ "must be a JSON object" },
							1));
		}
		c->parts[i] =
			(struct part){ .owner = c, .done = 1, .http = 422, .body = print(errors) };
	}
	return native;
}

static int post_one(struct judge0_call *c, const cJSON *s, const struct judge0_req *r, int *http,
		    char **body)
{
	char *native = convert(c, 0, s);
	c->nparts = 1;
	if (!native)
		return finish(c, http, body), 0;
	c->request = cJSON_Parse(native);
	if (c->wait && !store_proc_up()) {
		int rc = post_direct(c, native, r->key, http, body);
		free(native);
		return rc;
	}
	struct subs_req q = { .method = "POST",
			      .body = native,
			      .len = strlen(native),
			      .key = r->key,
			      .wait = c->wait ? "true" : NULL };
	part_start(c, 0, &q);
	free(native);
	if (c->pending)
		return 1;
	finish(c, http, body);
	return 0;
}

static int post_batch(struct judge0_call *c, const cJSON *b, const struct judge0_req *r, int *http,
		      char **body)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(b, "submissions"), *s;
	int n = cJSON_GetArraySize(a);
	if (!cJSON_IsArray(a) || n == 0 || n > BATCH_MAX) {
		*http = 400;
		*body = error_json(n > BATCH_MAX
					   ? "number of submissions in a batch should be "
					     "less than or equal to 20"
					   : "there should be at least one submission in a batch");
		return 0;
	}
	c->kind = K_BATCH_POST;
	c->nparts = n;
	int i = 0;
	cJSON_ArrayForEach (s, a) {
		char *native = convert(c, i, s);
		if (native) {
			struct subs_req q = { .method = "POST",
					      .body = native,
					      .len = strlen(native),
					      .key = r->key };
			part_start(c, i, &q);
		}
		free(native);
		i++;
	}
	if (c->pending)
		return 1;
	finish(c, http, body);
	return 0;
}

static int get_tokens(struct judge0_call *c, const char *token, const char *tokens,
		      const struct judge0_req *r, int *http, char **body)
{
	char list[BATCH_MAX * 40], *save = NULL;
	snprintf(list, sizeof(list), "%s", token ? token : tokens ? tokens : "");
	c->kind = token ? K_GET : K_BATCH_GET;
	int n = 0;
	for (const char *p = list; *p; p++)
		n += *p == ',';
	if (n >= BATCH_MAX || strlen(list) == sizeof(list) - 1) {
		*http = 400;
		*body = error_json("number of submissions in a batch should be less than or equal "
				   "to 20");
		return 0;
	}
	for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		c->parts[c->nparts] = (struct part){ .owner = c };
		struct subs_req q = { .method = "GET", .token = t, .key = r->key, .raw = 1 };
		part_start(c, c->nparts++, &q);
	}
	if (c->nparts == 0) {
		*http = 400;
		*body = error_json("there should be at least one submission in a batch");
		return 0;
	}
	if (c->pending)
		return 1;
	finish(c, http, body);
	return 0;
}

/* ---- languages, statuses, about ---- */

static const char *version_of(const struct lang *g)
{
	for (int k = 0; k < m->npools; k++)
		if (!strcmp(m->pools[k].lang, g->id) && m->pools[k].version[0])
			return m->pools[k].version;
	return g->version;
}

static char *argv_line(char *const *v)
{
	char s[1024] = "";
	size_t n = 0;
	for (int i = 0; v && v[i] && n < sizeof(s); i++)
		n += (size_t)snprintf(s + n, sizeof(s) - n, "%s%s", i ? " " : "", v[i]);
	return strdup(s);
}

/* A Judge0 language as GET /languages (full: /languages/{id}) shows it; NULL if not ours. */
static cJSON *language_json(const struct judge0_lang *j, int full)
{
	const struct lang *g = NULL;
	for (int i = 0; i < m->cfg.nlangs && !g; i++)
		if (!strcmp(m->cfg.langs[i].id, j->ours))
			g = &m->cfg.langs[i];
	if (!g)
		return NULL;
	char name[128];
	snprintf(name, sizeof(name), j->name, version_of(g));
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", j->id);
	cJSON_AddStringToObject(o, "name", name);
	if (!full)
		return o;
	cJSON_AddBoolToObject(o, "is_archived", 0);
	cJSON_AddStringToObject(o, "source_file", g->file);
	char *cc = g->compile ? argv_line(g->compile) : NULL, *run = argv_line(g->run);
	cJSON_AddItemToObject(o, "compile_cmd", cc ? cJSON_CreateString(cc) : cJSON_CreateNull());
	cJSON_AddStringToObject(o, "run_cmd", run ? run : "");
	free(cc);
	free(run);
	return o;
}

static int info(const char *path, int *http, char **body)
{
	size_t n;
	const struct judge0_lang *ls = judge0_langs(&n);
	cJSON *o = NULL;
	*http = 200;
	if (!strcmp(path, "/languages")) {
		o = cJSON_CreateArray();
		for (size_t i = 0; i < n; i++) {
			cJSON *l = language_json(&ls[i], 0);
			if (l)
				cJSON_AddItemToArray(o, l);
		}
	} else if (!strncmp(path, "/languages/", 11)) {
		char *end;
		long id = strtol(path + 11, &end, 10);
		const struct judge0_lang *j = *end ? NULL : judge0_lang_find((int)id);
		if (!j || !(o = language_json(j, 1)))
			return *http = 404, *body = error_json("Not Found"), 0;
	} else if (!strcmp(path, "/statuses")) {
		o = cJSON_CreateArray();
		for (int i = 1; i < J0_NSTATUS; i++) {
			cJSON *st = cJSON_CreateObject();
			cJSON_AddNumberToObject(st, "id", i);
			cJSON_AddStringToObject(st, "description", judge0_status_name(i));
			cJSON_AddItemToArray(o, st);
		}
	} else if (!strcmp(path, "/about")) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "version", EXECUTIONER_VERSION);
		cJSON_AddStringToObject(o, "homepage", "Executioner (a Judge0 CE v1.13.1 API)");
		cJSON_AddStringToObject(o, "source_code", "");
		cJSON_AddStringToObject(o, "maintainer", "");
	} else {
		return *http = 404, *body = error_json("Not Found"), 0;
	}
	*body = print(o);
	return 0;
}

/* ---- the entry ---- */

static int submissions(struct judge0_call *c, const struct judge0_req *r, int *http, char **body)
{
	const char *p = r->path + strlen("/submissions");
	int post = !strcmp(r->method, "POST"), batch = !strcmp(p, "/batch");
	if (post && (!*p || batch)) {
		cJSON *b = cJSON_ParseWithLength(r->body ? r->body : "", r->len);
		if (!cJSON_IsObject(b)) {
			cJSON_Delete(b);
			return *http = 400, *body = error_json("the body must be a JSON object"), 0;
		}
		int rc = batch ? post_batch(c, b, r, http, body) : post_one(c, b, r, http, body);
		cJSON_Delete(b);
		return rc;
	}
	if (!strcmp(r->method, "DELETE") && p[0] == '/') /* Judge0's default (delete disabled) */
		return *http = 400, *body = error_json("delete not allowed"), 0;
	if (post || (strcmp(r->method, "GET") && strcmp(r->method, "HEAD")))
		return *http = 405, *body = error_json("method not allowed"), 0;
	if (batch)
		return get_tokens(c, NULL, r->tokens, r, http, body);
	if (p[0] == '/' && p[1] && !strchr(p + 1, '/') && !strchr(p + 1, ','))
		return get_tokens(c, p + 1, NULL, r, http, body);
	return *http = 405, *body = error_json("use POST /submissions or GET /submissions/{token}"),
	       0;
}

int judge0_handle(const struct judge0_req *r, subs_answer_fn fn, void *conn,
		  struct judge0_call **call, int *http, char **body)
{
	if (strncmp(r->path, "/submissions", 12) || (r->path[12] && r->path[12] != '/')) {
		if (strcmp(r->method, "GET") && strcmp(r->method, "HEAD"))
			return *http = 405, *body = error_json("use GET"), 0;
		return info(r->path, http, body);
	}
	char bad[200];
	cJSON *fields = judge0_fields(r->fields, bad, sizeof(bad));
	if (!fields) {
		char msg[240];
		snprintf(msg, sizeof(msg), "invalid fields: [%s]", bad);
		return *http = 400, *body = error_json(msg), 0;
	}
	struct judge0_call *c = calloc(1, sizeof(*c));
	if (!c) {
		cJSON_Delete(fields);
		return *http = 500, *body = error_json("out of memory"), 0;
	}
	*c = (struct judge0_call){ .fn = fn,
				   .conn = conn,
				   .fields = fields,
				   .kind = K_POST,
				   .base64 = r->base64 && !strcmp(r->base64, "true"),
				   .wait = r->wait && !strcmp(r->wait, "true") };
	int rc = submissions(c, r, http, body);
	if (rc == 1)
		*call = c;
	else
		call_free(c);
	return rc;
}
