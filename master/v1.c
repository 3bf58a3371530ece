/*
 * v1.c - seed 002's API over the native one (see v1.h): /v1/spec renders the configured
 * languages as the seed's spec file lists them; /v1/exec checks its request, hands the rest of
 * the checking to request_parse(), and rewrites the native answer into the seed's fields.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "jobs.h"
#include "v1.h"

/* Generated at build time from master/openapi.json (xxd -i, see the Makefile). */
extern unsigned char openapi_json[];
extern unsigned int openapi_json_len;

/* The fields a /v1/exec request may have; anything else is refused, naming it. */
static const char *const v1_fields[] = { "language", "code", "stdin", "args", "timeout", NULL };

static cJSON *argv_json(char *const *v)
{
	cJSON *a = cJSON_CreateArray();
	for (int i = 0; a && v && v[i]; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return a;
}

/* The argv as one shell-like line ("gcc -O2 -o main main.c"), or a JSON null without an argv. */
static cJSON *argv_line(char *const *v)
{
	if (!v)
		return cJSON_CreateNull();
	size_t n = 1;
	for (int i = 0; v[i]; i++)
		n += strlen(v[i]) + 1;
	char *s = malloc(n), *p = s;
	if (!s)
		return NULL;
	*p = '\0';
	for (int i = 0; v[i]; i++)
		p += sprintf(p, "%s%s", i ? " " : "", v[i]);
	cJSON *o = cJSON_CreateString(s);
	free(s);
	return o;
}

static const char *lang_version(const struct master *m, const struct lang *g)
{
	for (int k = 0; k < m->npools; k++)
		if (!strcmp(m->pools[k].lang, g->id) && m->pools[k].version[0])
			return m->pools[k].version;
	return g->version;
}

cJSON *v1_languages(const struct master *m)
{
	cJSON *a = cJSON_CreateArray();
	for (int i = 0; a && i < m->cfg.nlangs; i++) {
		const struct lang *g = &m->cfg.langs[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", g->id);
		cJSON_AddStringToObject(o, "name", g->name);
		cJSON_AddStringToObject(o, "version", lang_version(m, g));
		cJSON_AddBoolToObject(o, "compiled", g->compile != NULL);
		cJSON_AddStringToObject(o, "image", g->image);
		cJSON_AddStringToObject(o, "file", g->file);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

cJSON *v1_spec(const struct master *m)
{
	cJSON *o = cJSON_CreateObject();
	for (int i = 0; o && i < m->cfg.nlangs; i++) {
		const struct lang *g = &m->cfg.langs[i];
		cJSON *l = cJSON_AddObjectToObject(o, g->id);
		if (!l)
			break;
		cJSON_AddStringToObject(l, "language", g->id);
		cJSON_AddStringToObject(l, "name", g->name);
		cJSON_AddStringToObject(l, "version", lang_version(m, g));
		cJSON_AddStringToObject(l, "image", g->image);
		cJSON_AddStringToObject(l, "filename", g->file);
		cJSON_AddItemToObject(l, "compile_cmd", argv_line(g->compile));
		cJSON_AddItemToObject(l, "cmd", argv_line(g->run));
		cJSON_AddItemToObject(l, "compile",
				      g->compile ? argv_json(g->compile) : cJSON_CreateNull());
		cJSON_AddItemToObject(l, "run", argv_json(g->run));
	}
	return o;
}

static int fail(struct req_error *e, const char *field, const char *msg)
{
	e->http = 400;
	snprintf(e->field, sizeof(e->field), "%s", field);
	snprintf(e->msg, sizeof(e->msg), "%s", msg);
	return -1;
}

/* A required string member: present, not null, a string. */
static int need_string(const cJSON *req, const char *k, struct req_error *e)
{
	char msg[96];
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, k);
	if (!v || cJSON_IsNull(v)) {
		snprintf(msg, sizeof(msg), "%s is required", k);
		return fail(e, k, msg);
	}
	if (!cJSON_IsString(v)) {
		snprintf(msg, sizeof(msg), "%s must be a string", k);
		return fail(e, k, msg);
	}
	return 0;
}

/* What the native parser would accept under other names (source_code, tests, ...) is refused:
 * a /v1/exec request means exactly the seed's fields. */
static int v1_check(const cJSON *req, struct req_error *e)
{
	for (const cJSON *m = req->child; m; m = m->next) {
		int known = 0;
		for (int i = 0; v1_fields[i]; i++)
			known |= !strcmp(m->string, v1_fields[i]);
		if (known)
			continue;
		char msg[200];
		snprintf(msg, sizeof(msg),
			 "unknown field \"%.64s\" (a /v1/exec request has language, code, stdin, "
			 "args, timeout)",
			 m->string);
		return fail(e, m->string, msg);
	}
	if (need_string(req, "language", e) < 0 || need_string(req, "code", e) < 0)
		return -1;
	return 0;
}

int v1_parse(const char *body, size_t len, const struct config *c, cJSON **job,
	     struct req_error *e)
{
	*job = NULL;
	memset(e, 0, sizeof(*e));
	cJSON *req = cJSON_ParseWithLength(body, len);
	int rc = req && cJSON_IsObject(req) ? v1_check(req, e) : 0;
	cJSON_Delete(req);
	if (rc < 0)
		return -1;
	/* the rest (JSON syntax, duplicate keys, language known, sizes, timeout range) as native */
	return request_parse(body, len, c, job, e);
}

/* Moves member k of from into to under the name as (a JSON null when absent). */
static void move(cJSON *from, const char *k, cJSON *to, const char *as)
{
	cJSON *v = cJSON_DetachItemFromObjectCaseSensitive(from, k);
	cJSON_AddItemToObject(to, as, v ? v : cJSON_CreateNull());
}

/* Milliseconds to seconds, to the millisecond. */
static double seconds(const cJSON *n, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(n, k);
	return cJSON_IsNumber(v) ? round(v->valuedouble) / 1000.0 : 0;
}

/* The seed's answer from the native one n (a plain run's result; see README's POST /execute),
 * or NULL for an {"error": ...} of the master (503, deadline), passed on as it is. */
static cJSON *v1_result(cJSON *n)
{
	const char *st = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(n, "status"));
	if (!st)
		return NULL;
	cJSON *o = cJSON_CreateObject();
	const cJSON *mem = cJSON_GetObjectItemCaseSensitive(n, "memory_used_kb");
	const cJSON *co = cJSON_GetObjectItemCaseSensitive(n, "compile_output");
	int compile_error = !strcmp(st, "compile_error");
	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "status", !strcmp(st, "ok") ? "success" : st);
	move(n, "language", o, "language");
	move(n, "stdout", o, "stdout");
	if (compile_error && cJSON_IsString(co)) /* the compiler's message, as `go run` shows it */
		cJSON_AddStringToObject(o, "stderr", co->valuestring);
	else
		move(n, "stderr", o, "stderr");
	move(n, "exit_code", o, "exit_code");
	move(n, "signal", o, "signal");
	cJSON_AddNumberToObject(o, "time", seconds(n, "execution_time_ms"));
	cJSON_AddNumberToObject(o, "cpu_time", seconds(n, "cpu_time_ms"));
	cJSON_AddNumberToObject(o, "memory", cJSON_IsNumber(mem) ? mem->valuedouble : 0);
	if (cJSON_IsString(co))
		move(n, "compile_output", o, "compile_output");
	if (cJSON_GetObjectItemCaseSensitive(n, "output_truncated"))
		move(n, "output_truncated", o, "output_truncated");
	if (cJSON_GetObjectItemCaseSensitive(n, "error"))
		move(n, "error", o, "error");
	/* a result without stdout (internal_error, cancelled) still has the seed's fields */
	if (cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, "stdout")))
		cJSON_ReplaceItemInObjectCaseSensitive(o, "stdout", cJSON_CreateString(""));
	if (cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, "stderr")))
		cJSON_ReplaceItemInObjectCaseSensitive(o, "stderr", cJSON_CreateString(""));
	return o;
}

void v1_render(struct job *j)
{
	if (j->body)
		jobs_rewrite(j, v1_result, "v1");
}

void v1_done(struct job *j, void *conn)
{
	v1_render(j);
	MHD_resume_connection(conn);
}

char *v1_openapi(void)
{
	char *s = malloc((size_t)openapi_json_len + 1);
	if (!s)
		return NULL;
	memcpy(s, openapi_json, openapi_json_len);
	s[openapi_json_len] = '\0';
	return s;
}
