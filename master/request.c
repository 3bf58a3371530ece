/*
 * request.c - validation of POST /execute bodies (see request.h). Each field is looked up by its
 * name and aliases, type-checked and range-checked against the config; the result is the job
 * object workers receive, so a worker never sees an unchecked value.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "files.h"
#include "jsonutil.h"
#include "log.h"
#include "problem_pkg.h"
#include "request.h"

#define MAX_ARGS 64
#define MAX_ARG_LEN 4096

static int fail(struct req_error *e, int http, const char *field, const char *fmt, const char *a)
{
	e->http = http;
	snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
	snprintf(e->msg, sizeof(e->msg), fmt, a ? a : "");
	return -1;
}

/* Optional positive number no larger than max; *v unchanged when absent. */
static int opt_number(const cJSON *req, const char *const *names, double max, double min, double *v,
		      struct req_error *e)
{
	const char *name;
	cJSON *m = json_member(req, names, &name);
	if (!m || cJSON_IsNull(m))
		return 0;
	if (!cJSON_IsNumber(m) || !isfinite(m->valuedouble))
		return fail(e, 400, name, "%s must be a number", name);
	if (m->valuedouble <= 0)
		return fail(e, 400, name, "%s must be positive", name);
	if (m->valuedouble > max) {
		char msg[128];
		snprintf(msg, sizeof(msg), "%s must be at most %g", name, max);
		return fail(e, 400, name, "%s", msg);
	}
	if (m->valuedouble < min) {
		char msg[128];
		snprintf(msg, sizeof(msg), "%s must be at least %g", name, min);
		return fail(e, 400, name, "%s", msg);
	}
	*v = m->valuedouble;
	return 0;
}

/* Optional string no longer than max bytes; *s = "" when absent. */
static int opt_string(const cJSON *req, const char *const *names, size_t max, const char **s,
		      int required, struct req_error *e)
{
	const char *name;
	cJSON *m = json_member(req, names, &name);
	*s = "";
	if (!m || cJSON_IsNull(m)) {
		if (required)
			return fail(e, 400, names[0], "%s is required", names[0]);
		return 0;
	}
	if (!cJSON_IsString(m))
		return fail(e, 400, name, "%s must be a string", name);
	if (strlen(m->valuestring) > max) {
		char msg[128];
		snprintf(msg, sizeof(msg), "%s is larger than the limit of %zu bytes", name, max);
		return fail(e, 413, name, "%s", msg);
	}
	*s = m->valuestring;
	return 0;
}

static int parse_language(const cJSON *req, const struct config *c, const struct lang **g,
			  struct req_error *e)
{
	static const char *const names[] = { "language", "lang", NULL };
	const char *id;
	if (opt_string(req, names, 64, &id, 1, e) < 0)
		return -1;
	*g = config_lang(c, id);
	if (*g)
		return 0;
	char known[400] = "";
	size_t o = 0;
	for (int i = 0; i < c->nlangs && o + 40 < sizeof(known); i++)
		o += (size_t)snprintf(known + o, sizeof(known) - o, "%s%s", i ? ", " : "",
				      c->langs[i].id);
	char msg[512];
	snprintf(msg, sizeof(msg), "unknown language \"%.64s\"; known: %s", id, known);
	return fail(e, 400, "language", "%s", msg);
}

static int parse_args(const cJSON *req, cJSON *job, struct req_error *e)
{
	cJSON *a = cJSON_GetObjectItemCaseSensitive(req, "args");
	cJSON *out = cJSON_AddArrayToObject(job, "args");
	if (!a || cJSON_IsNull(a))
		return 0;
	if (!cJSON_IsArray(a))
		return fail(e, 400, "args", "args must be an array of strings", NULL);
	if (cJSON_GetArraySize(a) > MAX_ARGS)
		return fail(e, 400, "args", "args has more than 64 entries", NULL);
	cJSON *it;
	cJSON_ArrayForEach(it, a) {
		if (!cJSON_IsString(it))
			return fail(e, 400, "args", "args must be an array of strings", NULL);
		if (strlen(it->valuestring) > MAX_ARG_LEN)
			return fail(e, 400, "args", "an entry of args is longer than 4096 bytes",
				    NULL);
		cJSON_AddItemToArray(out, cJSON_CreateString(it->valuestring));
	}
	return 0;
}

static int parse_tests(const cJSON *req, const struct config *c, cJSON *job, struct req_error *e)
{
	static const char *const in_names[] = { "stdin", "input", NULL };
	static const char *const exp_names[] = { "expected_output", "expected", "output", NULL };
	cJSON *t = cJSON_GetObjectItemCaseSensitive(req, "tests");
	if (!t || cJSON_IsNull(t))
		return 0;
	if (!cJSON_IsArray(t) || cJSON_GetArraySize(t) == 0)
		return fail(e, 400, "tests",
			    "tests must be a non-empty array of {\"stdin\", \"expected_output\"}",
			    NULL);
	if (cJSON_GetArraySize(t) > c->tests_max) {
		char msg[96];
		snprintf(msg, sizeof(msg), "tests has more than %d entries", c->tests_max);
		return fail(e, 400, "tests", "%s", msg);
	}
	cJSON *out = cJSON_AddArrayToObject(job, "tests"), *it;
	size_t total = 0, cap = (size_t)c->stdin_kb * 1024;
	cJSON_ArrayForEach(it, t) {
		const char *in, *exp;
		if (!cJSON_IsObject(it))
			return fail(e, 400, "tests", "each test must be an object", NULL);
		if (opt_string(it, in_names, cap, &in, 0, e) < 0 ||
		    opt_string(it, exp_names, cap, &exp, 0, e) < 0) {
			char f[80];
			snprintf(f, sizeof(f), "tests[].%s", e->field);
			snprintf(e->field, sizeof(e->field), "%.63s", f);
			return -1;
		}
		total += strlen(in) + strlen(exp);
		if (total > 2 * cap)
			return fail(e, 413, "tests",
				    "the tests' inputs and outputs are larger than the limit",
				    NULL);
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "stdin", in);
		cJSON_AddStringToObject(o, "expected_output", exp);
		cJSON_AddItemToArray(out, o);
	}
	return 0;
}

/* problem_id (and problem_version) instead of tests: the worker reads the stored problem's
 * manifest and tests (workers/problem.c); here only that it exists (one local stat). */
static int parse_problem(const cJSON *req, const struct config *c, cJSON *job,
			 struct req_error *e)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(req, "problem_id");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, "problem_version");
	if (!id || cJSON_IsNull(id)) {
		if (v && !cJSON_IsNull(v))
			return fail(e, 400, "problem_version", "problem_version needs problem_id",
				    NULL);
		return 0;
	}
	if (cJSON_GetObjectItemCaseSensitive(req, "tests"))
		return fail(e, 400, "problem_id", "give either tests or problem_id", NULL);
	if (!cJSON_IsString(id) || !problem_pkg_id_valid(id->valuestring))
		return fail(e, 400, "problem_id", "problem_id must be a stored problem's id", NULL);
	int ver = 0;
	if (v && !cJSON_IsNull(v)) {
		if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > 1e9 ||
		    v->valuedouble != (double)(int)v->valuedouble)
			return fail(e, 400, "problem_version",
				    "problem_version must be a positive integer", NULL);
		ver = (int)v->valuedouble;
	}
	char path[CONF_STR_MAX + 200];
	if (ver)
		snprintf(path, sizeof(path), "%s/problems/%s/%d.json", c->problems_dir,
			 id->valuestring, ver);
	else
		snprintf(path, sizeof(path), "%s/problems/%s/current", c->problems_dir,
			 id->valuestring);
	if (access(path, R_OK) < 0)
		return fail(e, 404, ver ? "problem_version" : "problem_id",
			    ver ? "no such version of the problem %s" : "no such problem: %s",
			    id->valuestring);
	cJSON *p = cJSON_AddObjectToObject(job, "problem");
	cJSON_AddStringToObject(p, "id", id->valuestring);
	cJSON_AddNumberToObject(p, "version", ver);
	cJSON_AddStringToObject(p, "dir", c->problems_dir);
	cJSON_AddNumberToObject(p, "wall_factor", c->wall_factor);
	cJSON_AddNumberToObject(p, "max_mb", c->problems_max_mb);
	return 0;
}

static int parse_compare(const cJSON *req, cJSON *job, struct req_error *e)
{
	static const char *const names[] = { "compare", NULL };
	static const char *const tol[] = { "float_tolerance", NULL };
	static const char *const modes[] = { "lines", "exact", "tokens", "float", NULL };
	const char *mode;
	double t = 1e-6;
	if (opt_string(req, names, 16, &mode, 0, e) < 0)
		return -1;
	if (!*mode)
		mode = "lines";
	int ok = 0;
	for (int i = 0; modes[i]; i++)
		ok |= !strcmp(mode, modes[i]);
	if (!ok)
		return fail(e, 400, "compare", "compare must be one of lines, exact, tokens, float",
			    NULL);
	cJSON *tv = cJSON_GetObjectItemCaseSensitive(req, "float_tolerance");
	if (tv && !cJSON_IsNull(tv)) {
		if (!cJSON_IsNumber(tv) || !isfinite(tv->valuedouble) || tv->valuedouble < 0 ||
		    tv->valuedouble > 1e9)
			return fail(e, 400, "float_tolerance",
				    "float_tolerance must be a number from 0 to 1e9", NULL);
		t = tv->valuedouble;
	}
	(void)tol;
	cJSON *stop = cJSON_GetObjectItemCaseSensitive(req, "stop_on_first_failure");
	if (stop && !cJSON_IsBool(stop) && !cJSON_IsNull(stop))
		return fail(e, 400, "stop_on_first_failure",
			    "stop_on_first_failure must be true or false", NULL);
	cJSON_AddStringToObject(job, "compare", mode);
	cJSON_AddNumberToObject(job, "float_tolerance", t);
	cJSON_AddBoolToObject(job, "stop_on_first_failure", cJSON_IsTrue(stop));
	return 0;
}

static cJSON *argv_json(char **v)
{
	cJSON *a = cJSON_CreateArray();
	for (int i = 0; v && v[i]; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return a;
}

/* The language spec the worker needs, copied so a config reload never races a job. */
static cJSON *lang_json(const struct config *c, const struct lang *g)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", g->id);
	cJSON_AddStringToObject(o, "image", g->image);
	cJSON_AddStringToObject(o, "file", g->file);
	if (g->compile)
		cJSON_AddItemToObject(o, "compile", argv_json(g->compile));
	cJSON_AddItemToObject(o, "run", argv_json(g->run));
	cJSON_AddItemToObject(o, "env", argv_json(g->env));
	cJSON_AddNumberToObject(o, "compile_time_ms", g->compile_time_s * 1000);
	cJSON_AddNumberToObject(o, "compile_memory_mb", g->compile_memory_mb);
	cJSON_AddNumberToObject(o, "container_memory_mb", config_container_mb(c, g));
	cJSON_AddNumberToObject(o, "workdir_slack_mb", config_slack_mb(c));
	cJSON_AddNumberToObject(o, "container_cpus", c->cpus);
	return o;
}

static int parse_limits(const cJSON *req, const struct config *c, const struct lang *g, cJSON *job,
			struct req_error *e)
{
	static const char *const tn[] = { "time_limit", "timeout_seconds", "timeout", NULL };
	static const char *const wn[] = { "wall_time_limit", NULL };
	static const char *const mn[] = { "memory_limit_mb", "memory_mb", NULL };
	static const char *const cn[] = { "cpu_limit", "cpus", NULL };
	static const char *const on[] = { "output_limit_kb", NULL };
	double t = c->time_s, mem = g->memory_mb, cpu = c->cpus, out = c->output_kb, wall = 0;
	if (mem > c->max_memory_mb)
		mem = c->max_memory_mb;
	if (opt_number(req, tn, c->max_time_s, 0.001, &t, e) < 0 ||
	    opt_number(req, wn, c->max_time_s * c->wall_factor, 0.001, &wall, e) < 0 ||
	    opt_number(req, mn, c->max_memory_mb, 8, &mem, e) < 0 ||
	    opt_number(req, cn, c->max_cpus, 0.01, &cpu, e) < 0 ||
	    opt_number(req, on, c->max_output_kb, 1, &out, e) < 0)
		return -1;
	/* Judges limit CPU time with a wall-clock safety net; plain runs limit both by
	 * time_limit. */
	int judge = cJSON_GetObjectItemCaseSensitive(req, "tests") != NULL ||
		    cJSON_GetObjectItemCaseSensitive(req, "problem_id") != NULL;
	if (wall <= 0)
		wall = judge ? t * c->wall_factor : t;
	if (wall < t && judge)
		wall = t;
	cJSON_AddNumberToObject(job, "time_ms", ceil(t * 1000));
	cJSON_AddNumberToObject(job, "wall_ms", ceil(wall * 1000));
	cJSON_AddNumberToObject(job, "memory_mb", floor(mem));
	cJSON_AddNumberToObject(job, "cpus", cpu);
	cJSON_AddNumberToObject(job, "output_bytes", floor(out) * 1024);
	cJSON_AddNumberToObject(job, "fsize_bytes", (double)c->fsize_kb * 1024);
	cJSON_AddNumberToObject(job, "nofile", c->nofile);
	cJSON_AddNumberToObject(job, "max_request_ms", c->max_request_s * 1000);
	return 0;
}

static int by_key(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A key given twice among object o's members, or NULL; *oom set when memory ran out. Small objects
 * are compared pairwise, larger ones sorted (O(k log k) for k keys; the body cap bounds k). */
static const char *dup_key(const cJSON *o, int *oom)
{
	const cJSON *m, *p;
	size_t k = 0, i = 0;
	for (m = o->child; m; m = m->next)
		k++;
	if (k <= 16) {
		for (m = o->child; m; m = m->next)
			for (p = m->next; p; p = p->next)
				if (!strcmp(m->string, p->string))
					return m->string;
		return NULL;
	}
	const char **keys = malloc(k * sizeof(*keys)), *dup = NULL;
	if (!keys) {
		log_errorx("request: out of memory sorting the %zu keys of an object", k);
		*oom = 1;
		return NULL;
	}
	for (m = o->child; m; m = m->next)
		keys[i++] = m->string;
	qsort(keys, k, sizeof(*keys), by_key);
	for (i = 1; i < k && !dup; i++)
		if (!strcmp(keys[i - 1], keys[i]))
			dup = keys[i];
	free(keys);
	return dup;
}

/* Looks for a key given twice in one object anywhere in v, depth first. path (n bytes, at used)
 * is v's place, e.g. "tests[]"; on a find it becomes the key's, e.g. "tests[].stdin" (cut to fit).
 * Returns 1 when found, 0 when not, -1 on ENOMEM. Depth is bounded by cJSON's nesting cap. */
static int find_dup(const cJSON *v, char *path, size_t n, size_t at, int depth)
{
	if (depth > CJSON_NESTING_LIMIT) { /* cJSON refuses deeper bodies; kept as a bound */
		log_warnx("request: JSON nested deeper than %d", CJSON_NESTING_LIMIT);
		return -1;
	}
	const char *d;
	int oom = 0;
	if (cJSON_IsObject(v) && (d = dup_key(v, &oom))) {
		snprintf(path + at, n - at, "%s%s", at ? "." : "", d);
		return 1;
	}
	if (oom)
		return -1;
	for (const cJSON *m = v->child; m && (cJSON_IsObject(v) || cJSON_IsArray(v)); m = m->next) {
		int w = cJSON_IsObject(v)
				? snprintf(path + at, n - at, "%s%s", at ? "." : "", m->string)
				: snprintf(path + at, n - at, "[]");
		size_t next = at + (size_t)w < n ? at + (size_t)w : n - 1;
		int rc = find_dup(m, path, n, next, depth + 1);
		if (rc)
			return rc;
		path[at] = '\0';
	}
	return 0;
}

/* Does the JSON text escape a NUL (\u0000) inside a string? C strings cannot carry it, so such a
 * body is refused rather than silently cut short. An escaped backslash before "u0000" is not
 * one. */
static int has_nul_escape(const char *p, size_t n)
{
	for (size_t i = 0; i + 6 <= n; i++) {
		if (p[i] != '\\' || p[i + 1] != 'u' || strncmp(p + i + 2, "0000", 4))
			continue;
		size_t k = 0;
		while (k < i && p[i - 1 - k] == '\\')
			k++;
		if (k % 2 == 0)
			return 1;
	}
	return 0;
}

/* The body is exactly one JSON object (whitespace may follow), with no NUL in its strings and no
 * key given twice in any object: cJSON would keep the first of two keys, and a proxy or log in
 * front of the service might have read the other one. */
static int check_shape(const char *body, size_t len, const char *end, const cJSON *req,
		       struct req_error *e)
{
	if (has_nul_escape(body, len))
		return fail(e, 400, NULL, "strings may not contain NUL characters (\\u0000)", NULL);
	for (const char *p = end ? end : body + len; p < body + len; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			continue;
		char at[32];
		snprintf(at, sizeof(at), "%zu", (size_t)(p - body));
		return fail(e, 400, NULL,
			    "the body has bytes after the JSON object (from offset %s)", at);
	}
	if (!cJSON_IsObject(req))
		return fail(e, 400, NULL, "the body must be a JSON object", NULL);
	char path[sizeof(e->field)] = "";
	int rc = find_dup(req, path, sizeof(path), 0, 0);
	if (rc < 0)
		return fail(e, 500, NULL, "the body's keys could not be checked", NULL);
	if (rc > 0) {
		char msg[160];
		snprintf(msg, sizeof(msg), "the key \"%s\" is given more than once in one object",
			 path);
		return fail(e, 400, path, "%s", msg);
	}
	return 0;
}

int request_parse(const char *body, size_t len, const struct config *c, cJSON **job,
		  struct req_error *e)
{
	static const char *const src[] = { "source_code", "code", "source", NULL };
	static const char *const in[] = { "stdin", "input", NULL };
	const struct lang *g;
	const char *code, *input, *end = NULL;
	*job = NULL;
	memset(e, 0, sizeof(*e));
	cJSON *req = cJSON_ParseWithLengthOpts(body, len, &end, 0);
	if (!req)
		return fail(e, 400, NULL, "the body is not valid JSON (%s)",
			    len ? "syntax error" : "empty body");
	int rc = -1;
	cJSON *j = NULL;
	if (check_shape(body, len, end, req, e) < 0)
		goto out;
	if (parse_language(req, c, &g, e) < 0 ||
	    opt_string(req, src, (size_t)c->source_kb * 1024, &code, 0, e) < 0 ||
	    opt_string(req, in, (size_t)c->stdin_kb * 1024, &input, 0, e) < 0)
		goto out;
	/* source_code given (even "") is the entry; without it, files must give one */
	const cJSON *given = json_member(req, src, NULL);
	j = cJSON_CreateObject();
	cJSON_AddItemToObject(j, "lang", lang_json(c, g));
	if (files_parse(req, c, g->file, given && !cJSON_IsNull(given) ? code : NULL, j, e) < 0)
		goto out;
	cJSON_AddStringToObject(j, "stdin", input);
	if (parse_args(req, j, e) < 0 || parse_limits(req, c, g, j, e) < 0 ||
	    parse_tests(req, c, j, e) < 0 || parse_problem(req, c, j, e) < 0 ||
	    parse_compare(req, j, e) < 0 ||
	    files_parse_output(req, c, j, e) < 0)
		goto out;
	*job = j;
	j = NULL;
	rc = 0;
out:
	cJSON_Delete(j);
	cJSON_Delete(req);
	return rc;
}

char *request_error_json(const struct req_error *e)
{
	return json_error(e->msg, e->field);
}

const char *request_lang_id(const cJSON *job)
{
	return json_str(cJSON_GetObjectItem(job, "lang"), "id", "");
}
