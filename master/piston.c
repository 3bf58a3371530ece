/*
 * piston.c - Piston's v2 API over the native one (see piston.h): runtimes from the configured
 * languages and their images' versions; an execute body checked as Piston checks it (same
 * messages), turned into a native request for request_parse(), and the native answer rewritten.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "b64.h"
#include "jobs.h"
#include "jsonutil.h"
#include "log.h"
#include "piston.h"
#include "piston_map.h"

#define MIB 1048576.0

/* The six limits of a request, as check_limits() orders them (Piston's order). */
enum { CMEM, RMEM, CWALL, RWALL, CCPU, RCPU, NLIMITS };

int piston_path(const char *url)
{
	return !strncmp(url, "/api/v2", 7) && (url[7] == '\0' || url[7] == '/');
}

int piston_route_known(const char *url, const char *method)
{
	if (!strcmp(url, "/api/v2/runtimes"))
		return !strcmp(method, "GET") || !strcmp(method, "HEAD");
	return !strcmp(url, "/api/v2/execute") && !strcmp(method, "POST");
}

/* The version of language g in semver form: its image's when its pool reported one. */
static void lang_semver(const struct master *m, const struct lang *g, struct semver *v)
{
	const char *ver = g->version;
	for (int k = 0; k < m->npools; k++)
		if (!strcmp(m->pools[k].lang, g->id) && m->pools[k].version[0])
			ver = m->pools[k].version;
	if (piston_semver_parse(ver, v) < 0)
		*v = (struct semver){ 0, 0, 0 };
}

cJSON *piston_runtimes(const struct master *m)
{
	cJSON *a = cJSON_CreateArray();
	for (int i = 0; a && i < m->cfg.nlangs; i++) {
		const struct lang *g = &m->cfg.langs[i];
		const struct piston_lang *p = piston_lang_find(g->id);
		struct semver v;
		char ver[64];
		lang_semver(m, g, &v);
		piston_semver_text(&v, ver, sizeof(ver));
		cJSON *o = cJSON_CreateObject(), *al = cJSON_CreateArray();
		cJSON_AddStringToObject(o, "language", p ? p->language : g->id);
		cJSON_AddStringToObject(o, "version", ver);
		for (int k = 0; p && p->aliases[k]; k++)
			cJSON_AddItemToArray(al, cJSON_CreateString(p->aliases[k]));
		cJSON_AddItemToObject(o, "aliases", al);
		if (p && p->runtime)
			cJSON_AddStringToObject(o, "runtime", p->runtime);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static int fail(struct req_error *e, int http, const char *fmt, const char *a, double n)
{
	e->http = http;
	e->field[0] = '\0';
	snprintf(e->msg, sizeof(e->msg), fmt, a, n);
	return -1;
}

/* The highest version of a configured language that name (Piston's name, an alias or our id)
 * and range select, as Piston's get_latest_runtime_matching_language_version() does. */
static const struct lang *runtime_find(const struct master *m, const char *name, const char *range,
				       struct semver *best)
{
	const struct lang *found = NULL;
	for (int i = 0; i < m->cfg.nlangs; i++) {
		const struct lang *g = &m->cfg.langs[i];
		struct semver v;
		lang_semver(m, g, &v);
		if (!piston_lang_matches(g->id, name) || !piston_range_match(range, &v))
			continue;
		if (!found || piston_semver_cmp(&v, best) > 0) {
			found = g;
			*best = v;
		}
	}
	return found;
}

/* Piston's checks of language, version and files, in its order and words (api/v2.js). */
static int check_basics(const cJSON *req, struct req_error *e)
{
	static const char *const req_str[] = { "language", "version" };
	for (int i = 0; i < 2; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, req_str[i]);
		if (!cJSON_IsString(v) || !v->valuestring[0])
			return fail(e, 400, "%s is required as a string", req_str[i], 0);
	}
	const cJSON *files = cJSON_GetObjectItemCaseSensitive(req, "files"), *f;
	if (!cJSON_IsArray(files))
		return fail(e, 400, "files is required as an array%s", "", 0);
	int i = 0;
	cJSON_ArrayForEach (f, files) {
		if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(f, "content"))) {
			char msg[64];
			snprintf(msg, sizeof(msg), "files[%d].content", i);
			return fail(e, 400, "%s is required as a string", msg, 0);
		}
		i++;
	}
	return 0;
}

/* The largest value each limit may take, as Piston's configured limits. */
static double limit_max(const struct config *c, const struct lang *g, const char *name)
{
	if (!strcmp(name, "compile_memory_limit"))
		return g->compile_memory_mb * MIB;
	if (!strcmp(name, "run_memory_limit"))
		return c->max_memory_mb * MIB;
	if (!strcmp(name, "compile_timeout"))
		return g->compile_time_s * 2000;
	if (!strcmp(name, "run_timeout"))
		return c->max_time_s * c->wall_factor * 1000;
	if (!strcmp(name, "compile_cpu_time"))
		return g->compile_time_s * 1000;
	return c->max_time_s * 1000; /* run_cpu_time */
}

/* Piston's limit checks (same order, same words). A value that is absent, null, 0 or false
 * means the default, as in Piston; so does -1 for a memory limit (Piston: "no limit"; here the
 * configured one). vals[] gets each limit's value, 0 for the default. */
static int check_limits(const cJSON *req, const struct config *c, const struct lang *g,
			double vals[NLIMITS], struct req_error *e)
{
	static const char *const kinds[] = { "memory_limit", "timeout", "cpu_time" };
	static const char *const types[] = { "compile", "run" };
	for (int k = 0; k < 3; k++)
		for (int t = 0; t < 2; t++) {
			char name[40];
			snprintf(name, sizeof(name), "%s_%s", types[t], kinds[k]);
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, name);
			double *out = &vals[k * 2 + t], max = limit_max(c, g, name);
			*out = 0;
			if (!v || cJSON_IsNull(v) || cJSON_IsFalse(v) ||
			    (cJSON_IsString(v) && !v->valuestring[0]) ||
			    (cJSON_IsNumber(v) && v->valuedouble == 0))
				continue;
			if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
				return fail(e, 400, "If specified, %s must be a number", name, 0);
			if (k == 0 && v->valuedouble == -1)
				continue;
			if (v->valuedouble > max)
				return fail(e, 400, "%s cannot exceed the configured limit of %.0f",
					    name, max);
			if (v->valuedouble < 0)
				return fail(e, 400, "%s must be non-negative", name, 0);
			if (k == 0 && v->valuedouble < 8 * MIB)
				return fail(e, 400, "%s must be at least %.0f (8 MiB)", name,
					    8 * MIB);
			*out = v->valuedouble;
		}
	return 0;
}

/* One Piston file as a native one: utf8 and base64 as they are, hex as base64. */
static cJSON *file_native(const cJSON *f, int i, struct req_error *e)
{
	const char *content = cJSON_GetObjectItemCaseSensitive(f, "content")->valuestring;
	const char *enc = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "encoding"));
	const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "name"));
	char dflt[32];
	snprintf(dflt, sizeof(dflt), "file%d.code", i); /* Piston's name for an unnamed file */
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", name && *name ? name : dflt);
	if (!enc || (strcmp(enc, "base64") && strcmp(enc, "hex"))) /* Piston: others are utf8 */
		enc = "utf8";
	if (strcmp(enc, "hex")) {
		cJSON_AddStringToObject(o, "content", content);
		cJSON_AddStringToObject(o, "encoding", enc);
		return o;
	}
	size_t n = strlen(content);
	unsigned char *d = malloc(n / 2 + 1);
	long len = d ? piston_hex_decode(content, n, d) : -1;
	char *b = len >= 0 ? b64_encode(d, (size_t)len) : NULL;
	free(d);
	if (!b) {
		cJSON_Delete(o);
		char f_[48];
		snprintf(f_, sizeof(f_), "files[%d].content", i);
		return fail(e, 400, "%s is not hex (encoding \"hex\")", f_, 0), NULL;
	}
	cJSON_AddStringToObject(o, "content", b);
	cJSON_AddStringToObject(o, "encoding", "base64");
	free(b);
	return o;
}

/* The native request: files, stdin (with Piston's trailing newline), args and limits. */
static cJSON *native_request(const cJSON *req, const struct config *c, const struct lang *g,
			     const double vals[NLIMITS], struct req_error *e)
{
	const cJSON *files = cJSON_GetObjectItemCaseSensitive(req, "files"), *f;
	const cJSON *in = cJSON_GetObjectItemCaseSensitive(req, "stdin");
	const cJSON *args = cJSON_GetObjectItemCaseSensitive(req, "args");
	if (in && !cJSON_IsNull(in) && !cJSON_IsString(in))
		return fail(e, 400, "stdin must be a string%s", "", 0), NULL;
	cJSON *n = cJSON_CreateObject(), *nf = cJSON_AddArrayToObject(n, "files");
	cJSON_AddStringToObject(n, "language", g->id);
	int i = 0;
	cJSON_ArrayForEach (f, files) {
		cJSON *o = file_native(f, i++, e);
		if (!o) {
			cJSON_Delete(n);
			return NULL;
		}
		cJSON_AddItemToArray(nf, o);
	}
	const char *s = cJSON_IsString(in) ? in->valuestring : "";
	size_t len = strlen(s);
	char *sin = malloc(len + 2);
	if (!sin) {
		cJSON_Delete(n);
		return fail(e, 500, "out of memory%s", "", 0), NULL;
	}
	snprintf(sin, len + 2, "%s%s", s, len && s[len - 1] == '\n' ? "" : "\n");
	cJSON_AddStringToObject(n, "stdin", sin);
	free(sin);
	if (args && !cJSON_IsNull(args))
		cJSON_AddItemToObject(n, "args", cJSON_Duplicate(args, 1));
	if (vals[RMEM] > 0)
		cJSON_AddNumberToObject(n, "memory_limit_mb", floor(vals[RMEM] / MIB));
	if (vals[RCPU] > 0)
		cJSON_AddNumberToObject(n, "time_limit", fmax(vals[RCPU] / 1000, 0.001));
	/* Piston's wall default does not follow the CPU limit: the configured time, or the CPU's */
	double wall = vals[RWALL] > 0  ? vals[RWALL] / 1000
		      : vals[RCPU] > 0 ? fmax(c->time_s, vals[RCPU] / 1000)
				       : 0;
	if (wall > 0)
		cJSON_AddNumberToObject(n, "wall_time_limit", fmax(wall, 0.001));
	return n;
}

/* Piston: at least one file without an encoding or with "utf8" (others count as not). */
static int has_utf8_file(const cJSON *req)
{
	const cJSON *f;
	cJSON_ArrayForEach (f, cJSON_GetObjectItemCaseSensitive(req, "files")) {
		const cJSON *enc = cJSON_GetObjectItemCaseSensitive(f, "encoding");
		if (!enc || cJSON_IsNull(enc) ||
		    (cJSON_IsString(enc) && !strcmp(enc->valuestring, "utf8")))
			return 1;
	}
	return 0;
}

/* The compile step's limits of this job, where the request lowered them; what to render. */
static void patch_spec(cJSON *job, const double vals[NLIMITS], const char *language,
		       const struct semver *v)
{
	cJSON *lang = cJSON_GetObjectItem(job, "lang");
	if (vals[CCPU] > 0)
		cJSON_ReplaceItemInObject(lang, "compile_time_ms", cJSON_CreateNumber(vals[CCPU]));
	if (vals[CWALL] > 0)
		cJSON_AddNumberToObject(lang, "compile_wall_ms", vals[CWALL]);
	if (vals[CMEM] > 0)
		cJSON_ReplaceItemInObject(lang, "compile_memory_mb",
					  cJSON_CreateNumber(floor(vals[CMEM] / MIB)));
	char ver[64];
	piston_semver_text(v, ver, sizeof(ver));
	cJSON *d = cJSON_AddObjectToObject(job, "detail"); /* the worker returns it, filled in */
	cJSON_AddStringToObject(d, "language", language);
	cJSON_AddStringToObject(d, "version", ver);
}

int piston_parse(const struct master *m, const char *body, size_t len, cJSON **job,
		 struct req_error *e)
{
	double vals[NLIMITS];
	struct semver v;
	*job = NULL;
	memset(e, 0, sizeof(*e));
	cJSON *req = cJSON_ParseWithLength(body, len), *n = NULL;
	if (!cJSON_IsObject(req)) {
		cJSON_Delete(req);
		return fail(e, 400, "the body is not a JSON object%s", "", 0);
	}
	int rc = -1;
	const struct lang *g = NULL;
	if (check_basics(req, e) < 0)
		goto out;
	const char *name = cJSON_GetObjectItemCaseSensitive(req, "language")->valuestring;
	const char *range = cJSON_GetObjectItemCaseSensitive(req, "version")->valuestring;
	if (!(g = runtime_find(m, name, range, &v))) {
		char rt[200];
		snprintf(rt, sizeof(rt), "%.80s-%.80s", name, range);
		fail(e, 400, "%s runtime is unknown", rt, 0);
		goto out;
	}
	if (!has_utf8_file(req)) {
		fail(e, 400, "files must include at least one utf8 encoded file%s", "", 0);
		goto out;
	}
	if (check_limits(req, &m->cfg, g, vals, e) < 0 ||
	    !(n = native_request(req, &m->cfg, g, vals, e)))
		goto out;
	char *text = cJSON_PrintUnformatted(n);
	if (!text) {
		fail(e, 500, "out of memory%s", "", 0);
		goto out;
	}
	rc = request_parse(text, strlen(text), &m->cfg, job, e); /* sizes, names, args */
	free(text);
	if (rc == 0) {
		const struct piston_lang *p = piston_lang_find(g->id);
		patch_spec(*job, vals, p ? p->language : g->id, &v);
	}
out:
	cJSON_Delete(n);
	cJSON_Delete(req);
	return rc;
}

char *piston_error_json(const struct req_error *e)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "message", e->msg);
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

char *piston_error_body(char *native)
{
	cJSON *n = native ? cJSON_Parse(native) : NULL;
	const char *msg = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(n, "error"));
	struct req_error e = { .http = 0 };
	snprintf(e.msg, sizeof(e.msg), "%s", msg ? msg : "internal error");
	cJSON_Delete(n);
	free(native);
	return piston_error_json(&e);
}

char *piston_not_found(void)
{
	struct req_error e = { .msg = "Not Found" };
	return piston_error_json(&e);
}

/* One stage ({stdout, stderr, code, signal, output, memory, message, status, cpu_time,
 * wall_time}) from a native step s (the answer itself for the run, detail.compile for the
 * compile step); o says how it ended. Times in ms, memory in bytes, as Piston gives them. */
static cJSON *stage(const cJSON *s, const struct piston_outcome *o)
{
	struct piston_verdict v;
	piston_verdict_of(o, &v);
	const char *out = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "stdout"));
	const char *err = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "stderr"));
	out = out ? out : "";
	err = err ? err : "";
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "stdout", out);
	cJSON_AddStringToObject(r, "stderr", err);
	if (v.has_code)
		cJSON_AddNumberToObject(r, "code", o->exit_code);
	else
		cJSON_AddNullToObject(r, "code");
	cJSON_AddItemToObject(r, "signal",
			      v.signal ? cJSON_CreateString(v.signal) : cJSON_CreateNull());
	size_t no = strlen(out), ne = strlen(err);
	char *both = malloc(no + ne + 1);
	if (both) { /* Piston interleaves them as they came; here stdout, then stderr */
		memcpy(both, out, no);
		memcpy(both + no, err, ne + 1);
		cJSON_AddStringToObject(r, "output", both);
		free(both);
	}
	cJSON_AddNumberToObject(r, "memory", json_num(s, "memory_used_kb", 0) * 1024);
	cJSON_AddItemToObject(r, "message",
			      v.message[0] ? cJSON_CreateString(v.message) : cJSON_CreateNull());
	cJSON_AddItemToObject(r, "status",
			      v.status ? cJSON_CreateString(v.status) : cJSON_CreateNull());
	cJSON_AddNumberToObject(r, "cpu_time", round(json_num(s, "cpu_time_ms", 0)));
	cJSON_AddNumberToObject(r, "wall_time", round(json_num(s, "execution_time_ms", 0)));
	return r;
}

static int flag(const cJSON *d, const char *k)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(d, k));
}

/* How step s ended: the native status st (for the run) refined by its detail flags d. */
static void outcome_of(const cJSON *s, const cJSON *d, const char *st, struct piston_outcome *o)
{
	memset(o, 0, sizeof(*o));
	o->ran = 1;
	o->exit_code = (int)json_num(s, "exit_code", 0);
	o->signal = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "signal"));
	o->cpu_timeout = flag(d, "cpu_timeout");
	o->wall_timeout = flag(d, "wall_timeout");
	o->memory_exceeded = flag(d, "oom");
	o->stdout_capped = flag(d, "stdout_capped");
	o->stderr_capped = flag(d, "stderr_capped");
	if (!st) /* the compile step: its flags say it all */
		return;
	o->ran = strcmp(st, "internal_error") && strcmp(st, "cancelled");
	o->memory_exceeded = !strcmp(st, "memory_exceeded");
	if (!strcmp(st, "timeout"))
		o->wall_timeout = !o->cpu_timeout;
	else
		o->cpu_timeout = o->wall_timeout = 0;
	if (!strcmp(st, "output_limit_exceeded"))
		o->stderr_capped = !o->stdout_capped;
	else
		o->stdout_capped = o->stderr_capped = 0;
}

/* Piston's answer from the native one n (its "detail": language, version, steps' flags). */
static cJSON *piston_result(cJSON *n)
{
	const cJSON *d = cJSON_GetObjectItem(n, "detail"), *p = d;
	const char *st = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(n, "status"));
	const cJSON *cd = cJSON_GetObjectItem(d, "compile");
	struct piston_outcome o;
	cJSON *r = cJSON_CreateObject(), *compile = NULL, *run;
	cJSON_AddStringToObject(r, "language", json_str(p, "language", ""));
	cJSON_AddStringToObject(r, "version", json_str(p, "version", ""));
	if (cd) {
		outcome_of(cd, cd, NULL, &o);
		compile = stage(cd, &o);
	}
	if (st && !strcmp(st, "compile_error") && compile) {
		run = cJSON_Duplicate(compile, 1); /* Piston: run is compile when nothing ran */
	} else {
		outcome_of(n, cJSON_GetObjectItem(d, "run"), st ? st : "internal_error", &o);
		run = stage(n, &o);
	}
	cJSON_AddItemToObject(r, "run", run);
	if (compile)
		cJSON_AddItemToObject(r, "compile", compile);
	return r;
}

void piston_render(struct job *j)
{
	if (!j->body)
		return;
	if (j->http != 200) { /* {"error": ...}: the master's or an internal error's */
		j->body = piston_error_body(j->body);
		return;
	}
	jobs_rewrite(j, piston_result, "piston");
}

void piston_done(struct job *j, void *conn)
{
	piston_render(j);
	MHD_resume_connection(conn);
}
