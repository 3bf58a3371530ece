/*
 * result.c - the JSON answer of a job (see result.h). Program bytes become valid JSON strings
 * (invalid UTF-8 -> U+FFFD); times are milliseconds, memory is the run's peak RSS.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonutil.h"
#include "result.h"
#include "score.h"
#include "wire.h"

/* Adds b as a JSON string within the field's share of the body; 1 when it had to be cut. */
static int add_bytes(cJSON *o, const char *k, const struct buf *b, size_t share)
{
	int clipped = 0;
	cJSON_AddItemToObject(o, k, json_bytes_capped(b->data, b->len, share, &clipped));
	return clipped;
}

/* Rendered bytes each echoed output (stdout, stderr, compile output) may take, so that the whole
 * body fits RESULT_MAX_BYTES whatever the bytes are (a control byte renders as six). */
static size_t field_share(const struct job_result *r)
{
	int detail = cJSON_IsObject(cJSON_GetObjectItem(r->spec, "detail")); /* compile's streams */
	size_t fields = 2 * (size_t)(r->nruns > 0 ? r->nruns : 1) +
			(r->has_compile ? 1 + (size_t)detail : 0) + (size_t)r->files.n;
	size_t fixed = RESULT_FIXED_BYTES + (size_t)r->ntests * RESULT_PER_TEST_BYTES;
	return fixed < RESULT_MAX_BYTES ? (RESULT_MAX_BYTES - fixed) / fields : 1024;
}

static double ms(uint64_t us)
{
	return (double)(us / 10) / 100.0; /* 0.01 ms resolution */
}

/* exit_code, signal, time and memory of one step. */
static void add_measures(cJSON *o, const struct step *s)
{
	if (s->signal)
		cJSON_AddNullToObject(o, "exit_code");
	else
		cJSON_AddNumberToObject(o, "exit_code", (double)s->exit_code);
	const char *sig = judge_signal_name(s->signal);
	if (sig)
		cJSON_AddStringToObject(o, "signal", sig);
	else
		cJSON_AddNullToObject(o, "signal");
	cJSON_AddNumberToObject(o, "execution_time_ms", ms(s->wall_us));
	cJSON_AddNumberToObject(o, "cpu_time_ms", ms(s->cpu_us));
	cJSON_AddNumberToObject(o, "memory_used_kb", (double)s->maxrss_kb);
	cJSON_AddNumberToObject(o, "memory_used_mb", (double)(s->maxrss_kb * 100 / 1024) / 100.0);
}

static char *compile_output(const struct step *c)
{
	struct buf b;
	buf_init(&b, c->out.len + c->err.len + 256);
	buf_append(&b, c->out.data ? c->out.data : "", c->out.len);
	buf_append(&b, c->err.data ? c->err.data : "", c->err.len);
	if (c->flags & (SF_WALL_TIMEOUT | SF_CPU_TIMEOUT))
		buf_printf(&b, "%scompilation stopped: it exceeded its time limit\n",
			   b.len ? "\n" : "");
	if (c->flags & SF_OOM)
		buf_printf(&b, "%scompilation stopped: it exceeded its memory limit\n",
			   b.len ? "\n" : "");
	if (c->signal && !(c->flags & (SF_WALL_TIMEOUT | SF_CPU_TIMEOUT | SF_OOM)))
		buf_printf(&b, "%scompiler killed by signal %d\n", b.len ? "\n" : "", c->signal);
	return buf_steal(&b);
}

static void add_compile(cJSON *o, const struct job_result *r)
{
	if (!r->has_compile)
		return;
	char *out = r->compile_ran ? compile_output(&r->compile) : NULL;
	cJSON_AddItemToObject(o, "compile_output",
			      json_bytes_capped(out ? out : "", out ? strlen(out) : 0,
						field_share(r), NULL));
	free(out);
	cJSON_AddNumberToObject(o, "compile_time_ms", ms(r->compile.wall_us));
}

static void add_timing(cJSON *o, const struct job_result *r)
{
	cJSON *t = cJSON_AddObjectToObject(o, "timing");
	cJSON_AddNumberToObject(t, "queue_ms", json_num(r->spec, "queue_ms", 0));
	cJSON_AddNumberToObject(t, "attach_ms", (double)r->ms_attach);
	cJSON_AddNumberToObject(t, "unpause_ms", (double)r->ms_unpause);
	cJSON_AddNumberToObject(t, "compile_ms", (double)r->ms_compile);
	cJSON_AddNumberToObject(t, "run_ms", (double)r->ms_run);
	cJSON_AddNumberToObject(t, "worker_total_ms", (double)r->ms_total);
	/* 1 for a fresh container; n: it ran n - 1 jobs before (pool.max_uses > 1) */
	if (r->seq)
		cJSON_AddNumberToObject(t, "container_job", (double)r->seq);
}

/* The fields of a plain-mode answer whose compile step failed: nothing ran. */
static void compile_error_body(cJSON *o, struct job_result *r)
{
	r->status = judge_status_name(STATUS_COMPILE_ERROR);
	cJSON_AddStringToObject(o, "status", r->status);
	cJSON_AddStringToObject(o, "stdout", "");
	cJSON_AddStringToObject(o, "stderr", "");
	cJSON_AddNullToObject(o, "exit_code");
	cJSON_AddNullToObject(o, "signal");
	cJSON_AddBoolToObject(o, "timeout", 0);
	cJSON_AddBoolToObject(o, "memory_exceeded", 0);
	cJSON_AddBoolToObject(o, "output_truncated", 0);
	add_compile(o, r);
}

/* Flags of one step and, for the compile step, its own measures and streams: asked by a job
 * whose spec has a "detail" object (the Piston layer, master/piston.c), absent otherwise. */
static cJSON *step_detail(const struct step *s, int streams, size_t share)
{
	cJSON *d = cJSON_CreateObject();
	cJSON_AddBoolToObject(d, "wall_timeout", (s->flags & SF_WALL_TIMEOUT) != 0);
	cJSON_AddBoolToObject(d, "cpu_timeout", (s->flags & SF_CPU_TIMEOUT) != 0);
	cJSON_AddBoolToObject(d, "oom", (s->flags & (SF_OOM | SF_MEM_OVER)) != 0);
	cJSON_AddBoolToObject(d, "stdout_capped", (s->flags & SF_STDOUT_CAP) != 0);
	cJSON_AddBoolToObject(d, "stderr_capped", (s->flags & SF_STDERR_CAP) != 0);
	if (!streams)
		return d;
	add_measures(d, s);
	add_bytes(d, "stdout", &s->out, share / 2);
	add_bytes(d, "stderr", &s->err, share / 2);
	return d;
}

static void add_detail(cJSON *o, const struct job_result *r)
{
	const cJSON *asked = cJSON_GetObjectItem(r->spec, "detail");
	if (!cJSON_IsObject(asked))
		return;
	cJSON *d = cJSON_Duplicate(asked, 1); /* what the master put there comes back */
	if (!d)
		return;
	cJSON_AddItemToObject(o, "detail", d);
	if (!r->compile_failed && r->nruns > 0)
		cJSON_AddItemToObject(d, "run", step_detail(&r->runs[0], 0, 0));
	if (r->has_compile && r->compile_ran)
		cJSON_AddItemToObject(d, "compile", step_detail(&r->compile, 1, field_share(r)));
}

static void plain_body(cJSON *o, struct job_result *r)
{
	const struct step *s = &r->runs[0];
	uint64_t cpu = (uint64_t)json_num(r->spec, "time_ms", 0);
	uint64_t mem = (uint64_t)json_num(r->spec, "memory_mb", 0) * 1024;
	if (r->compile_failed) {
		compile_error_body(o, r);
		add_detail(o, r);
		return;
	}
	enum judge_status st = judge_status(s, cpu, mem);
	r->status = judge_status_name(st);
	cJSON_AddStringToObject(o, "status", r->status);
	size_t share = field_share(r);
	int cut = add_bytes(o, "stdout", &s->out, share) | add_bytes(o, "stderr", &s->err, share);
	add_measures(o, s);
	cJSON_AddBoolToObject(o, "timeout", st == STATUS_TIMEOUT);
	cJSON_AddBoolToObject(o, "memory_exceeded", st == STATUS_MEMORY_EXCEEDED);
	cJSON_AddBoolToObject(o, "output_truncated",
			      cut || (s->flags & (SF_STDOUT_CAP | SF_STDERR_CAP)) != 0);
	if (s->error[0])
		cJSON_AddStringToObject(o, "error", s->error);
	add_compile(o, r);
	if (r->want_files)
		cJSON_AddItemToObject(o, "output_files", outfiles_json(&r->files, share));
	add_detail(o, r);
}

/* One entry of "tests"; a test that did not run has only its index and "skipped". */
static cJSON *test_json(const struct job_result *r, int i, size_t share)
{
	cJSON *t = cJSON_CreateObject();
	cJSON_AddNumberToObject(t, "index", i);
	enum judge_verdict v =
		r->compile_failed || i >= r->nruns ? VERDICT_SKIPPED : r->verdicts[i];
	cJSON_AddStringToObject(t, "verdict", judge_verdict_name(v));
	if (v == VERDICT_SKIPPED)
		return t;
	const struct step *s = &r->runs[i];
	add_measures(t, s);
	int cut = add_bytes(t, "stdout", &s->out, share) | add_bytes(t, "stderr", &s->err, share);
	cJSON_AddBoolToObject(t, "output_truncated",
			      cut || (s->flags & (SF_STDOUT_CAP | SF_STDERR_CAP)) != 0);
	if (r->ck_msg && r->ck_msg[i][0])
		cJSON_AddStringToObject(t, "checker_message", r->ck_msg[i]);
	if (r->points)
		cJSON_AddNumberToObject(t, "points", r->points[i]);
	return t;
}

/* A stored problem's id and version, and its groups' points. */
static void add_problem(cJSON *o, const struct job_result *r)
{
	const cJSON *p = cJSON_GetObjectItem(r->spec, "problem");
	const cJSON *groups = cJSON_GetObjectItem(r->spec, "groups");
	if (p) {
		cJSON_AddStringToObject(o, "problem_id", json_str(p, "id", ""));
		cJSON_AddNumberToObject(o, "problem_version", json_num(p, "version", 0));
	}
	if (!groups)
		return;
	enum judge_verdict *v = calloc((size_t)r->ntests + 1, sizeof(*v));
	for (int i = 0; v && i < r->ntests; i++)
		v[i] = r->compile_failed || i >= r->nruns ? VERDICT_SKIPPED : r->verdicts[i];
	if (v)
		score_add(groups, v, r->points, r->ntests, o);
	free(v);
}

/* The overall verdict is the first test's that is neither accepted nor skipped. */
static void judge_body(cJSON *o, struct job_result *r)
{
	enum judge_verdict overall = VERDICT_ACCEPTED;
	int passed = 0;
	size_t share = field_share(r);
	cJSON *arr = cJSON_CreateArray();
	for (int i = 0; i < r->ntests; i++) {
		cJSON_AddItemToArray(arr, test_json(r, i, share));
		enum judge_verdict v = r->compile_failed || i >= r->nruns ? VERDICT_SKIPPED
									 : r->verdicts[i];
		if (v == VERDICT_ACCEPTED)
			passed++;
		else if (v != VERDICT_SKIPPED && overall == VERDICT_ACCEPTED)
			overall = v;
	}
	if (r->compile_failed)
		overall = VERDICT_COMPILE_ERROR;
	enum judge_status st = r->compile_failed ? STATUS_COMPILE_ERROR : STATUS_OK;
	cJSON_AddStringToObject(o, "status", judge_status_name(st));
	cJSON_AddStringToObject(o, "verdict", judge_verdict_name(overall));
	r->status = judge_verdict_name(overall);
	cJSON_AddNumberToObject(o, "passed", passed);
	cJSON_AddNumberToObject(o, "total", r->ntests);
	cJSON_AddNumberToObject(o, "compile_count", r->compile_ran);
	cJSON_AddBoolToObject(o, "time_budget_exceeded", r->over_budget);
	add_compile(o, r);
	add_problem(o, r);
	cJSON_AddItemToObject(o, "tests", arr);
}

char *result_json(struct job_result *r, int *http)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", json_num(r->spec, "id", 0));
	cJSON_AddStringToObject(o, "language",
				json_str(cJSON_GetObjectItem(r->spec, "lang"), "id", ""));
	if (r->cancelled) {
		*http = 499;
		r->status = judge_status_name(STATUS_CANCELLED);
		cJSON_AddStringToObject(o, "status", r->status);
	} else if (r->error[0]) {
		*http = 500;
		r->status = judge_status_name(STATUS_INTERNAL_ERROR);
		cJSON_AddStringToObject(o, "status", r->status);
		cJSON_AddStringToObject(o, "error", r->error);
	} else {
		*http = 200;
		if (r->judge)
			judge_body(o, r);
		else
			plain_body(o, r);
	}
	add_timing(o, r);
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}
