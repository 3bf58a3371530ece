/*
 * judge0_json.c - Judge0 submissions to native request bodies and native results to Judge0's
 * shape (see judge0_json.h). Field names, messages and units follow Judge0 CE v1.13.1
 * (app/models/submission.rb, app/serializers/submission_serializer.rb, isolate_job.rb).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "jsonutil.h"
#include "judge0_json.h"
#include "judge0_map.h"

static void add_error(cJSON *errors, const char *field, const char *msg)
{
	cJSON *a = cJSON_GetObjectItemCaseSensitive(errors, field);
	if (!a)
		a = cJSON_AddArrayToObject(errors, field);
	cJSON_AddItemToArray(a, cJSON_CreateString(msg));
}

/* A number or a numeric string (Rails casts both), within lo..hi. 0 absent, 1 set, -1 bad. */
static int number(const cJSON *s, const char *k, double lo, double hi, double *v, cJSON *errors)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(s, k);
	char msg[96], *end = NULL;
	if (!x || cJSON_IsNull(x))
		return 0;
	if (cJSON_IsNumber(x))
		*v = x->valuedouble;
	else if (cJSON_IsString(x) && *x->valuestring)
		*v = strtod(x->valuestring, &end);
	if ((!cJSON_IsNumber(x) && (!end || *end)) || !isfinite(*v))
		return add_error(errors, k, "is not a number"), -1;
	if (*v < lo)
		snprintf(msg, sizeof(msg), "must be greater than or equal to %g", lo);
	else if (*v > hi)
		snprintf(msg, sizeof(msg), "must be less than or equal to %g", hi);
	else
		return 1;
	add_error(errors, k, msg);
	return -1;
}

/* A text member (NULL when absent or null), Base64-decoded when asked. -1 when bad. */
static int text(const cJSON *s, const char *k, int base64, char **out, cJSON *errors)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(s, k);
	*out = NULL;
	if (!x || cJSON_IsNull(x))
		return 0;
	if (!cJSON_IsString(x))
		return add_error(errors, k, "must be a string"), -1;
	size_t n = strlen(x->valuestring);
	if (!base64)
		return (*out = strdup(x->valuestring)) ? 0 : -1;
	unsigned char *d = malloc(B64_DECODED_MAX(n) + 1);
	long len = d ? b64_decode(x->valuestring, n, d) : -1;
	if (len < 0 || memchr(d, 0, (size_t)len) || !utf8_valid(d, (size_t)len)) {
		free(d);
		return add_error(errors, k, "is not valid Base64 of UTF-8 text"), -1;
	}
	d[len] = '\0';
	*out = (char *)d;
	return 0;
}

static void check_flags(const cJSON *s, cJSON *errors)
{
	static const char *const off[] = { "enable_per_process_and_thread_time_limit",
					   "enable_per_process_and_thread_memory_limit", NULL };
	for (int i = 0; off[i]; i++)
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, off[i])))
			add_error(errors, off[i], "this option cannot be enabled");
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, "enable_network")))
		add_error(errors, "enable_network", "enabling network is not allowed");
	const cJSON *af = cJSON_GetObjectItemCaseSensitive(s, "additional_files");
	if (af && !cJSON_IsNull(af) && !(cJSON_IsString(af) && !*af->valuestring))
		add_error(errors, "additional_files", "setting additional files is not allowed");
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(s, "redirect_stderr_to_stdout");
	if (r && !cJSON_IsNull(r) && !cJSON_IsBool(r))
		add_error(errors, "redirect_stderr_to_stdout", "must be true or false");
	const cJSON *u = cJSON_GetObjectItemCaseSensitive(s, "callback_url");
	const char *url = cJSON_GetStringValue(u);
	if (u && !cJSON_IsNull(u) &&
	    (!url || (strncmp(url, "http://", 7) && strncmp(url, "https://", 8)) ||
	     strlen(url) > 2048))
		add_error(errors, "callback_url", "must be an http:// or https:// URL");
}

/* The language: its Judge0 id, and ours (configured). NULL with an error. */
static const struct lang *language(const cJSON *s, const struct config *c, int *id, cJSON *errors)
{
	double v = 0;
	char msg[96];
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(s, "language_id");
	if (!x || cJSON_IsNull(x) || (cJSON_IsString(x) && !*x->valuestring))
		return add_error(errors, "language_id", "can't be blank"), NULL;
	if (number(s, "language_id", 0, 1e9, &v, errors) < 0)
		return NULL;
	*id = (int)v;
	const struct judge0_lang *j = v == floor(v) ? judge0_lang_find(*id) : NULL;
	for (int i = 0; j && i < c->nlangs; i++)
		if (!strcmp(c->langs[i].id, j->ours))
			return &c->langs[i];
	snprintf(msg, sizeof(msg), "language with id %.15g doesn't exist", v);
	add_error(errors, "language_id", msg);
	return NULL;
}

static void options(const cJSON *s, const struct config *c, const struct lang *g, cJSON *meta,
		    cJSON *errors)
{
	const char *k[] = { "compiler_options", "command_line_arguments" };
	for (int i = 0; i < 2; i++) {
		const cJSON *x = cJSON_GetObjectItemCaseSensitive(s, k[i]);
		if (!x || cJSON_IsNull(x) || (cJSON_IsString(x) && !*x->valuestring))
			continue;
		cJSON *argv = cJSON_IsString(x) ? judge0_split_args(x->valuestring) : NULL;
		if (!cJSON_IsString(x))
			add_error(errors, k[i], "must be a string");
		else if (strlen(x->valuestring) > 512)
			add_error(errors, k[i], "is too long (maximum is 512 characters)");
		else if (!argv)
			add_error(errors, k[i], "has an unclosed quote");
		else if (i == 0 && g && !g->compile)
			add_error(errors, k[i],
				  "setting compiler options is only allowed for "
				  "compiled languages");
		else if (i == 0 && g && !judge0_listed(c->judge0_compiler_options, g->id))
			add_error(errors, k[i],
				  "setting compiler options is not allowed for this "
				  "language (judge0.compiler_options)");
		else {
			cJSON_AddStringToObject(meta, k[i], x->valuestring);
			cJSON_AddItemToObject(meta, i ? "args" : "compiler_argv", argv);
			continue;
		}
		cJSON_Delete(argv);
	}
}

/* The limits, into the native body n and (as Judge0 shows them) meta. */
static void limits(const cJSON *s, const struct config *c, const struct lang *g, cJSON *n,
		   cJSON *meta, cJSON *errors)
{
	double cpu = c->time_s, wall = 0, mem = g ? g->memory_mb * 1024.0 : 0, stack = 65536,
	       fsize = c->fsize_kb, extra = 0, runs = 1, procs = 1;
	if (number(s, "cpu_time_limit", 0.001, c->max_time_s, &cpu, errors) > 0)
		cJSON_AddNumberToObject(n, "time_limit", cpu);
	if (number(s, "wall_time_limit", 0.001, c->max_time_s * c->wall_factor, &wall, errors) <= 0)
		wall = fmin(cpu * c->wall_factor, c->max_time_s * c->wall_factor);
	cJSON_AddNumberToObject(n, "wall_time_limit", wall);
	if (number(s, "memory_limit", 8192, c->max_memory_mb * 1024.0, &mem, errors) > 0)
		cJSON_AddNumberToObject(n, "memory_limit_mb", floor(mem / 1024));
	number(s, "stack_limit", 0, c->max_memory_mb * 1024.0, &stack, errors);
	number(s, "max_file_size", 1, c->fsize_kb, &fsize, errors);
	number(s, "cpu_extra_time", 0, c->max_time_s, &extra, errors);
	number(s, "number_of_runs", 1, 1, &runs, errors);
	number(s, "max_processes_and_or_threads", 1, 1e6, &procs, errors);
	cJSON_AddNumberToObject(meta, "cpu_time_limit", cpu);
	cJSON_AddNumberToObject(meta, "cpu_extra_time", extra);
	cJSON_AddNumberToObject(meta, "wall_time_limit", wall);
	cJSON_AddNumberToObject(meta, "memory_limit", floor(mem));
	cJSON_AddNumberToObject(meta, "stack_limit", floor(stack ? stack : 65536));
	cJSON_AddNumberToObject(meta, "max_file_size", floor(fsize));
	cJSON_AddNumberToObject(meta, "max_processes_and_or_threads", g ? g->pids : c->pids);
}

char *judge0_to_native(const cJSON *s, int base64, const struct config *c, cJSON **errors)
{
	cJSON *e = *errors = cJSON_CreateObject(), *n = cJSON_CreateObject();
	cJSON *meta = cJSON_AddObjectToObject(n, "judge0");
	char *src = NULL, *in = NULL, *exp = NULL, *out = NULL;
	int id = 0;
	const struct lang *g = language(s, c, &id, e);
	if (text(s, "source_code", base64, &src, e) == 0 && (!src || !src[strspn(src, " \t\r\n")]))
		add_error(e, "source_code", "can't be blank");
	text(s, "stdin", base64, &in, e);
	text(s, "expected_output", base64, &exp, e);
	check_flags(s, e);
	options(s, c, g, meta, e);
	limits(s, c, g, n, meta, e);
	if (!e->child && g) {
		cJSON_AddStringToObject(n, "language", g->id);
		cJSON_AddStringToObject(n, "source_code", src);
		cJSON_AddStringToObject(n, "stdin", in ? in : "");
		cJSON *args = cJSON_DetachItemFromObjectCaseSensitive(meta, "args");
		cJSON_AddItemToObject(n, "args", args ? args : cJSON_CreateArray());
		cJSON_AddNumberToObject(meta, "language_id", id);
		cJSON_AddItemToObject(meta, "expected_output",
				      exp ? cJSON_CreateString(exp) : cJSON_CreateNull());
		const cJSON *r = cJSON_GetObjectItemCaseSensitive(s, "redirect_stderr_to_stdout");
		cJSON_AddBoolToObject(meta, "redirect_stderr_to_stdout", cJSON_IsTrue(r));
		const char *url = json_str(s, "callback_url", NULL);
		if (url) { /* checked and delivered by subs.c and the callbacks process */
			cJSON_AddStringToObject(meta, "callback_url", url);
			cJSON_AddStringToObject(n, "callback_url", url);
		}
		out = cJSON_PrintUnformatted(n);
	}
	if (out) {
		cJSON_Delete(e);
		*errors = NULL;
	}
	free(src);
	free(in);
	free(exp);
	cJSON_Delete(n);
	return out;
}

/* Appends copies of the strings of opts to a: 1. */
static int add_all(cJSON *a, const cJSON *opts)
{
	const cJSON *o;
	cJSON_ArrayForEach (o, opts)
		cJSON_AddItemToArray(a, cJSON_CreateString(o->valuestring));
	return 1;
}

int judge0_patch_spec(const char *body, size_t len, cJSON *spec, struct req_error *e)
{
	cJSON *b = cJSON_ParseWithLength(body, len);
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(b, "judge0");
	if (!cJSON_IsObject(meta)) {
		cJSON_Delete(b);
		return 0;
	}
	cJSON_ReplaceItemInObjectCaseSensitive(
		spec, "fsize_bytes", cJSON_CreateNumber(json_num(meta, "max_file_size", 1) * 1024));
	cJSON_AddNumberToObject(spec, "stack_kb", json_num(meta, "stack_limit", 65536));
	cJSON *opts = cJSON_GetObjectItemCaseSensitive(meta, "compiler_argv");
	cJSON *lang = cJSON_GetObjectItemCaseSensitive(spec, "lang");
	cJSON *cc = cJSON_GetObjectItemCaseSensitive(lang, "compile");
	const char *file = json_str(lang, "file", "");
	if (cJSON_IsArray(opts) && !cJSON_IsArray(cc)) {
		cJSON_Delete(b);
		e->http = 400;
		snprintf(e->field, sizeof(e->field), "compiler_options");
		snprintf(e->msg, sizeof(e->msg), "the language compiles nothing");
		return -1;
	}
	/* the options go before the source file's name (go build's flags must), else last; a new
	 * array, as cJSON 1.7.15's cJSON_InsertItemInArray refuses parsed arrays */
	if (!cJSON_IsArray(opts)) {
		cJSON_Delete(b);
		return 0;
	}
	cJSON *argv = cJSON_CreateArray(), *x;
	int placed = 0;
	cJSON_ArrayForEach (x, cc) {
		if (!placed && !strcmp(cJSON_GetStringValue(x) ? x->valuestring : "", file))
			placed = add_all(argv, opts);
		cJSON_AddItemToArray(argv, cJSON_CreateString(x->valuestring));
	}
	if (!placed)
		add_all(argv, opts);
	cJSON_ReplaceItemInObjectCaseSensitive(lang, "compile", argv);
	cJSON_Delete(b);
	return 0;
}

/* What a native result says, in Judge0's terms. */
struct outcome {
	int status, signo, ran;
	const char *out, *err, *compile;
	char message[96], time[24], wall[24];
	double memory, exit_code;
	char *joined; /* stdout + stderr with redirect_stderr_to_stdout */
};

static void outcome(const struct judge0_sub *s, const cJSON *meta, struct outcome *o)
{
	const cJSON *n = s->result;
	memset(o, 0, sizeof(*o));
	if (!n) {
		o->status = s->running ? J0_PROCESSING : J0_IN_QUEUE;
		return;
	}
	if (s->http != 200 || !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(n, "status"))) {
		o->status = J0_INTERNAL;
		snprintf(o->message, sizeof(o->message), "%.90s", json_str(n, "error", "failed"));
		return;
	}
	o->status = judge0_verdict(n, json_str(meta, "expected_output", NULL));
	o->compile = json_str(n, "compile_output", NULL);
	if (o->status == J0_COMPILE_ERROR)
		return;
	o->ran = 1;
	o->out = json_str(n, "stdout", NULL);
	o->err = json_str(n, "stderr", NULL);
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(meta, "redirect_stderr_to_stdout"))) {
		size_t a = o->out ? strlen(o->out) : 0, b = o->err ? strlen(o->err) : 0;
		if ((o->joined = malloc(a + b + 1)))
			snprintf(o->joined, a + b + 1, "%s%s", o->out ? o->out : "",
				 o->err ? o->err : "");
		o->out = o->joined;
		o->err = NULL;
	}
	judge0_seconds(json_num(n, "cpu_time_ms", 0), o->time, sizeof(o->time));
	judge0_seconds(json_num(n, "execution_time_ms", 0), o->wall, sizeof(o->wall));
	o->memory = json_num(n, "memory_used_kb", 0);
	o->signo = judge0_signal_number(json_str(n, "signal", NULL));
	o->exit_code = json_num(n, "exit_code", 0);
	if (o->status == J0_TLE)
		snprintf(o->message, sizeof(o->message), "Time limit exceeded");
	else if (!strcmp(json_str(n, "status", ""), "memory_exceeded"))
		snprintf(o->message, sizeof(o->message), "Memory limit exceeded");
	else if (o->signo)
		snprintf(o->message, sizeof(o->message), "Caught fatal signal %d", o->signo);
	else if (o->exit_code)
		snprintf(o->message, sizeof(o->message), "Exited with error status %g",
			 o->exit_code);
}

/* A text as Judge0 shows it: null when absent or empty (empty_null), else as it is or Base64. */
static cJSON *shown(const char *t, int base64, int empty_null)
{
	if (!t || (empty_null && !*t))
		return cJSON_CreateNull();
	if (!base64)
		return cJSON_CreateString(t);
	char *b = b64_encode(t, strlen(t));
	cJSON *v = cJSON_CreateString(b ? b : "");
	free(b);
	return v;
}

/* A decimal column as Rails renders it: "5.0", "0.5". */
static cJSON *decimal(double v)
{
	char s[32];
	snprintf(s, sizeof(s), v == floor(v) ? "%.1f" : "%g", v);
	return cJSON_CreateString(s);
}

static cJSON *str_or_null(const char *s)
{
	return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

/* The fields taken from the request (and its "judge0" member). NULL when f is not one. */
static cJSON *request_field(const char *f, const struct judge0_sub *s, const cJSON *meta,
			    int base64)
{
	static const char *const dec[] = { "cpu_time_limit", "cpu_extra_time", "wall_time_limit",
					   NULL };
	static const char *const num[] = { "memory_limit",  "stack_limit",
					   "max_file_size", "max_processes_and_or_threads",
					   "language_id",   NULL };
	static const char *const strs[] = { "compiler_options", "command_line_arguments",
					    "callback_url", NULL };
	for (int i = 0; dec[i]; i++)
		if (!strcmp(f, dec[i]))
			return decimal(json_num(meta, f, 0));
	for (int i = 0; num[i]; i++)
		if (!strcmp(f, num[i]))
			return cJSON_CreateNumber(json_num(meta, f, 0));
	for (int i = 0; strs[i]; i++)
		if (!strcmp(f, strs[i]))
			return str_or_null(json_str(meta, f, NULL));
	if (!strcmp(f, "source_code"))
		return shown(json_str(s->request, "source_code", ""), base64, 0);
	if (!strcmp(f, "stdin"))
		return shown(json_str(s->request, f, NULL), base64, 0);
	if (!strcmp(f, "expected_output"))
		return shown(json_str(meta, f, NULL), base64, 0);
	if (!strcmp(f, "number_of_runs"))
		return cJSON_CreateNumber(1);
	if (!strcmp(f, "redirect_stderr_to_stdout"))
		return cJSON_CreateBool(cJSON_IsTrue(cJSON_GetObjectItem(meta, f)));
	if (!strcmp(f, "enable_per_process_and_thread_time_limit") ||
	    !strcmp(f, "enable_per_process_and_thread_memory_limit") ||
	    !strcmp(f, "enable_network"))
		return cJSON_CreateFalse();
	if (!strcmp(f, "language")) {
		cJSON *l = cJSON_CreateObject();
		cJSON_AddNumberToObject(l, "id", json_num(meta, "language_id", 0));
		cJSON_AddStringToObject(l, "name", s->language_name ? s->language_name : "");
		return l;
	}
	return NULL;
}

/* The fields taken from the result and the row. */
static cJSON *result_field(const char *f, const struct judge0_sub *s, const struct outcome *o,
			   int base64)
{
	if (!strcmp(f, "token"))
		return str_or_null(s->token);
	if (!strcmp(f, "stdout") || !strcmp(f, "stderr") || !strcmp(f, "compile_output"))
		return shown(f[3] == 'o' ? o->out : f[3] == 'e' ? o->err : o->compile, base64, 1);
	if (!strcmp(f, "message"))
		return shown(o->message[0] ? o->message : NULL, base64, 1);
	if (!strcmp(f, "time") || !strcmp(f, "wall_time"))
		return o->ran ? cJSON_CreateString(f[0] == 't' ? o->time : o->wall)
			      : cJSON_CreateNull();
	if (!strcmp(f, "memory"))
		return o->ran ? cJSON_CreateNumber(o->memory) : cJSON_CreateNull();
	if (!strcmp(f, "exit_code"))
		return o->ran ? cJSON_CreateNumber(o->exit_code) : cJSON_CreateNull();
	if (!strcmp(f, "exit_signal"))
		return o->signo ? cJSON_CreateNumber(o->signo) : cJSON_CreateNull();
	if (!strcmp(f, "status_id"))
		return cJSON_CreateNumber(o->status);
	if (!strcmp(f, "status")) {
		cJSON *st = cJSON_CreateObject();
		cJSON_AddNumberToObject(st, "id", o->status);
		cJSON_AddStringToObject(st, "description", judge0_status_name(o->status));
		return st;
	}
	if (!strcmp(f, "created_at") || !strcmp(f, "queued_at"))
		return str_or_null(s->created_at);
	if (!strcmp(f, "finished_at") || !strcmp(f, "updated_at"))
		return str_or_null(s->result ? s->finished_at : NULL);
	return cJSON_CreateNull(); /* started_at, additional_files, queue/execution host */
}

cJSON *judge0_render(const struct judge0_sub *s, const cJSON *fields, int base64)
{
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(s->request, "judge0"), *f;
	struct outcome o;
	outcome(s, meta, &o);
	cJSON *r = cJSON_CreateObject();
	cJSON_ArrayForEach (f, fields) {
		cJSON *v = request_field(f->valuestring, s, meta, base64);
		cJSON_AddItemToObject(r, f->valuestring,
				      v ? v : result_field(f->valuestring, s, &o, base64));
	}
	free(o.joined);
	return r;
}

char *judge0_callback_body(const char *request, const char *token, int http, const char *result,
			   const char **url, cJSON **scratch)
{
	static const char *const fields[] = { "token",	"time",		  "memory",  "stdout",
					      "stderr", "compile_output", "message", "status" };
	cJSON *req = *scratch = cJSON_Parse(request);
	*url = json_str(cJSON_GetObjectItemCaseSensitive(req, "judge0"), "callback_url", NULL);
	if (!*url)
		return NULL;
	cJSON *res = cJSON_Parse(result ? result : "{}");
	cJSON *f = cJSON_CreateStringArray(fields, sizeof(fields) / sizeof(fields[0]));
	struct judge0_sub s = { .token = token, .request = req, .result = res, .http = http };
	cJSON *o = judge0_render(&s, f, 1);
	char *body = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	cJSON_Delete(f);
	cJSON_Delete(res);
	return body;
}

cJSON *judge0_error_422(const struct req_error *e)
{
	static const char *const renames[][2] = {
		{ "language", "language_id" },
		{ "time_limit", "cpu_time_limit" },
		{ "memory_limit_mb", "memory_limit" },
		{ "args", "command_line_arguments" },
		{ "", "source_code" },
	};
	const char *f = e->field;
	for (size_t i = 0; i < sizeof(renames) / sizeof(renames[0]); i++)
		if (!strcmp(f, renames[i][0]))
			f = renames[i][1];
	cJSON *o = cJSON_CreateObject();
	add_error(o, f, e->msg);
	return o;
}
