/*
 * job.c - a job end to end (see job.h): unpause, then attach (the engine refuses to attach to a
 * paused container; the helper waits on its stdin meanwhile), one H_SETUP, an optional compile
 * step, then one H_RUN per test (or one run), each judged as it arrives so stop_on_first_failure
 * can end early; the answer is built in result.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checker.h"
#include "clock.h"
#include "container.h"
#include "job.h"
#include "jobspec.h"
#include "log.h"
#include "problem.h"
#include "result.h"
#include "score.h"
#include "session.h"
#include "wire.h"

#define SLACK_MS 5000   /* a step's answer may take this much longer than its wall limit */

/* The container's cgroup holds the job to its limits: memory is what the run may use plus the
 * work dir's share (its files count), CPU the job's share. Compiled languages' containers are made
 * with the compile step's memory, and are narrowed to the run's once the compile is done. */
struct limits_state {
	struct docker *d;
	const char *id;
	double have_mb, run_mb;
	int changed; /* an update was made: a reused container gets its own limits back */
};

static int set_limits(struct limits_state *ls, double mb, double cpus)
{
	cJSON *u = cJSON_CreateObject();
	if (mb > 0) {
		cJSON_AddNumberToObject(u, "Memory", mb * 1024 * 1024);
		cJSON_AddNumberToObject(u, "MemorySwap", mb * 1024 * 1024);
	}
	if (cpus > 0)
		cJSON_AddNumberToObject(u, "NanoCpus", cpus * 1e9);
	int rc = docker_update(ls->d, ls->id, u);
	cJSON_Delete(u);
	ls->changed = 1;
	if (rc == 0 && mb > 0)
		ls->have_mb = mb;
	return rc;
}

/* Before the job starts: what the first step needs. */
static int limits_initial(struct limits_state *ls, const cJSON *spec, int compiled)
{
	const cJSON *lang = cJSON_GetObjectItem(spec, "lang");
	ls->run_mb = json_num(spec, "memory_mb", 0) + json_num(lang, "workdir_slack_mb", 0);
	ls->have_mb = json_num(lang, "container_memory_mb", 0);
	double cpus = json_num(spec, "cpus", 0), ccpus = json_num(lang, "container_cpus", 0);
	double want = compiled ? (ls->run_mb > ls->have_mb ? ls->run_mb : ls->have_mb) : ls->run_mb;
	int mem = fabs(want - ls->have_mb) >= 1, cpu = fabs(cpus - ccpus) >= 1e-9;
	if (!mem && !cpu)
		return 0;
	/* memory always travels with the CPU: a CPU-only update makes the runtime rewrite the
	 * memory limit from an empty value, which the kernel refuses (EBUSY under cgroup v1) */
	return set_limits(ls, want, cpu ? cpus : 0);
}

/* After a successful compile: the run's own memory limit. */
static int limits_for_run(struct limits_state *ls)
{
	if (fabs(ls->run_mb - ls->have_mb) < 1)
		return 0;
	return set_limits(ls, ls->run_mb, 0);
}

/* An engine call failed: the log gets the engine's words (they name the container and the
 * runtime's paths), the client a sentence that names neither. */
static void engine_failed(struct job_result *r, struct docker *d, const char *what)
{
	const struct docker_error *e = docker_last_error(d);
	/* only before the helper got the job: a job that began is never run a second time */
	r->gone = !r->compile_ran && r->nruns == 0 && e->kind == DOCKER_E_HTTP && e->http == 404;
	log_warnx("job %d: %s: %s", (int)json_num(r->spec, "id", 0), what,
		  docker_last_error(d)->msg);
	snprintf(r->error, sizeof(r->error),
		 "%s: the Docker engine refused it (details in the service log)", what);
}

static int compile_failed(const struct step *st)
{
	return st->exit_code != 0 || st->signal ||
	       (st->flags & (SF_WALL_TIMEOUT | SF_CPU_TIMEOUT | SF_OOM | SF_SPAWN_FAILED));
}

/* Bytes of each test's output echoed back, so a big judge answer stays bounded. */
static size_t report_cap(const cJSON *spec, int ntests)
{
	size_t cap = (size_t)json_num(spec, "output_bytes", 0);
	size_t share = ntests > 0 ? (size_t)(16u << 20) / (size_t)ntests : cap;
	if (share < 1024)
		share = 1024;
	return cap < share ? cap : share;
}

static void clip(struct buf *b, size_t cap)
{
	if (b->len > cap) {
		b->len = cap;
		b->data[cap] = '\0';
	}
}

/* Test i's verdict from a stored problem's checker, for a run that ended normally. */
static enum judge_verdict check_one(struct checker *ck, int i, struct job_result *r)
{
	struct step st = { 0 };
	enum judge_verdict v = checker_check(ck, i, &r->runs[i].out, &st, &r->points[i]);
	const struct buf *m = ck->error[0] && v == VERDICT_JUDGE_ERROR && !st.err.len
				      ? NULL : &st.err;
	snprintf(r->ck_msg[i], sizeof(r->ck_msg[i]), "%.159s",
		 m ? (m->data ? m->data : "") : ck->error);
	buf_free(&st.out);
	buf_free(&st.err);
	return v;
}

/* Runs every test (or the one plain run); returns 0, or -1 with r->error set. ck: a stored
 * problem's checker, or NULL (the built-in compare rules). */
static int run_all(struct session *s, const cJSON *spec, struct job_result *r,
		   struct checker *ck)
{
	const cJSON *tests = cJSON_GetObjectItem(spec, "tests");
	size_t max = (size_t)json_num(spec, "output_bytes", 0);
	int timeout = (int)json_num(spec, "wall_ms", 0) + SLACK_MS;
	uint64_t cpu = (uint64_t)json_num(spec, "time_ms", 0);
	uint64_t mem = (uint64_t)json_num(spec, "memory_mb", 0) * 1024;
	int stop = cJSON_IsTrue(cJSON_GetObjectItem(spec, "stop_on_first_failure")), failed = 0;
	const char *mode = json_str(spec, "compare", "");
	double tol = json_num(spec, "float_tolerance", 1e-6);
	size_t cap = report_cap(spec, r->ntests);
	long t0 = clock_ms(), budget = (long)json_num(spec, "max_request_ms", 0);
	const cJSON *groups = cJSON_GetObjectItem(spec, "groups");
	const cJSON *t = tests ? tests->child : NULL;
	for (int i = 0; i < r->ntests; i++, t = t ? t->next : NULL) {
		if (failed && stop)
			break;
		if (groups && score_skip(groups, r->verdicts, i)) {
			r->nruns = i + 1; /* its verdict stays VERDICT_SKIPPED */
			continue;
		}
		if (i > 0 && budget > 0 && clock_ms() - t0 >= budget) {
			r->over_budget = 1; /* limits.max_request_s: the rest are skipped */
			break;
		}
		const char *in = t ? json_str(t, "stdin", "") : json_str(spec, "stdin", "");
		int stream = !t && cJSON_IsTrue(cJSON_GetObjectItem(spec, "stream"));
		const cJSON *args = t ? NULL : cJSON_GetObjectItem(spec, "args");
		if (session_send_run(s, in, args, stream) < 0 ||
		    session_recv_step(s, STEP_RUN, &r->runs[i], max, timeout) < 0) {
			snprintf(r->error, sizeof(r->error), "%s", s->error);
			return -1;
		}
		r->nruns = i + 1;
		if (!t)
			break;
		const char *exp = json_str(t, "expected_output", "");
		const struct buf *out = &r->runs[i].out;
		int eq = ck || judge_compare(mode, tol, out->data ? out->data : "", out->len,
					     exp, strlen(exp));
		r->verdicts[i] = judge_verdict(&r->runs[i], cpu, mem, eq);
		if (ck && judge_status(&r->runs[i], cpu, mem) == STATUS_OK)
			r->verdicts[i] = check_one(ck, i, r);
		failed |= r->verdicts[i] != VERDICT_ACCEPTED;
		clip(&r->runs[i].out, cap);
		clip(&r->runs[i].err, cap);
	}
	return 0;
}

/* The job's conversation with the helper: H_SETUP, the compile step's H_STEP (if any), then
 * the runs. 0, or -1 with r->error set. */
static int job_steps(struct session *s, const cJSON *spec, struct job_result *r,
		     struct limits_state *ls)
{
	struct buf m;
	buf_init(&m, (size_t)WIRE_MAX_PAYLOAD);
	int rc = jobspec_setup_msg(spec, &m);
	if (rc == 0)
		rc = session_send(s, &m, SESSION_IO_MS);
	buf_free(&m);
	if (rc < 0) {
		snprintf(r->error, sizeof(r->error), "%s",
			 *s->error ? s->error : "cannot build the job for the sandbox");
		return -1;
	}
	long t = clock_ms();
	if (r->has_compile) {
		const cJSON *lang = cJSON_GetObjectItem(spec, "lang");
		double ct = json_num(lang, "compile_time_ms", 0);
		int timeout = (int)json_num(lang, "compile_wall_ms", ct * 2) + SLACK_MS;
		size_t max = (size_t)json_num(spec, "output_bytes", 0);
		if (session_recv_step(s, STEP_COMPILE, &r->compile, max, timeout) < 0) {
			snprintf(r->error, sizeof(r->error), "%s", s->error);
			return -1;
		}
		r->compile_ran = 1;
		r->ms_compile = clock_ms() - t;
		if (r->compile.flags & SF_SPAWN_FAILED) {
			snprintf(r->error, sizeof(r->error),
				 "the compiler could not be started: %s", r->compile.error);
			return -1;
		}
		if ((r->compile_failed = compile_failed(&r->compile)))
			return 0;
		if (limits_for_run(ls) < 0) {
			engine_failed(r, ls->d, "cannot set the run's memory limit");
			return -1;
		}
	}
	struct checker ck;
	int has_ck = r->points != NULL;
	if (has_ck && checker_open(&ck, ls->d, spec) < 0) {
		snprintf(r->error, sizeof(r->error), "%s", ck.error);
		checker_close(&ck);
		return -1;
	}
	t = clock_ms();
	rc = run_all(s, spec, r, has_ck ? &ck : NULL);
	if (has_ck)
		checker_close(&ck);
	if (rc == 0 && r->want_files && !r->judge && outfiles_fetch(s, spec, &r->files) < 0) {
		snprintf(r->error, sizeof(r->error), "%s", s->error);
		rc = -1;
	}
	r->ms_run = clock_ms() - t;
	return rc;
}

/* Unpauses; the engine's paused flag can lag the freezer, so "is not paused" counts as done. */
static int unpause(struct docker *d, const char *id)
{
	if (docker_unpause(d, id) == 0)
		return 0;
	const struct docker_error *e = docker_last_error(d);
	return e->kind == DOCKER_E_HTTP && e->http == 409 && strstr(e->msg, "not paused") ? 0 : -1;
}

/* Attaches (or execs) to the helper. The engine applies its own paused/unpaused bookkeeping from
 * containerd events asynchronously, so under load an attach right after an unpause may still be
 * refused as "paused": unpause again (a no-op if it is not) and retry a few times. */
static int open_helper(struct session *s, struct docker *d, const char *id, const char *transport)
{
	for (int attempt = 0;; attempt++) {
		if (session_open(s, d, id, transport) == 0)
			return 0;
		const struct docker_error *e = docker_last_error(d);
		if (attempt >= 4 || e->kind != DOCKER_E_HTTP || e->http != 409 ||
		    !strstr(e->msg, "paused"))
			return -1;
		session_close(s);
		log_debug("attach to %.12s refused as paused (attempt %d); unpausing again", id,
			  attempt + 1);
		unpause(d, id);
	}
}

static int job_run_spec(struct docker *d, const cJSON *spec, const struct session_watch *watch,
			char **body, struct job_stats *st);

/* The job's number in its container, as the helper counts (0 when no step reported it). */
static uint64_t job_seq(const struct job_result *r)
{
	uint64_t seq = r->compile_ran ? r->compile.seq : 0;
	for (int i = 0; i < r->nruns; i++)
		seq = r->runs[i].seq > seq ? r->runs[i].seq : seq;
	return seq;
}

/* Whether the container may serve another job (pool.max_uses): the job ended clean (no
 * internal error, cancel, timeout, memory or output kill) and it has uses left. */
static int job_reusable(const struct job_result *r, const cJSON *spec)
{
	const uint64_t bad = SF_WALL_TIMEOUT | SF_CPU_TIMEOUT | SF_OOM | SF_STDOUT_CAP |
			     SF_STDERR_CAP | SF_SPAWN_FAILED | SF_MEM_OVER;
	if (json_num(spec, "uses", 0) + 1 >= json_num(spec, "max_uses", 1) || r->error[0] ||
	    r->cancelled || strcmp(json_str(spec, "transport", ""), "attach"))
		return 0;
	if (r->compile_ran && (r->compile.flags & bad))
		return 0;
	for (int i = 0; i < r->nruns; i++)
		if (r->runs[i].flags & bad)
			return 0;
	return 1;
}

/* H_END: the helper kills everything and exits; an attach-mode container then removes itself
 * (st->ended). A cancelled step may still run: that container is removed by force. */
static void job_end(struct session *s, const char *transport, const struct job_result *r,
		    struct job_stats *st)
{
	struct buf end;
	buf_init(&end, 64);
	if (wire_pack(&end, H_END, 0, 0, NULL, 0) == 0 &&
	    docker_stream_write(&s->st, end.data, end.len, 100) == 0 && strcmp(transport, "exec") &&
	    !r->cancelled)
		st->ended = 1;
	buf_free(&end);
}

int job_run(struct docker *d, const cJSON *spec, const struct session_watch *watch, char **body,
	    struct job_stats *st)
{
	if (!cJSON_GetObjectItem(spec, "problem"))
		return job_run_spec(d, spec, watch, body, st);
	char msg[300];
	int http;
	cJSON *own = problem_load(spec, &http, msg, sizeof(msg));
	if (!own) {
		memset(st, 0, sizeof(*st));
		snprintf(st->status, sizeof(st->status), "internal_error");
		st->compile_s = -1;
		*body = json_error(msg, "problem_id");
		return http;
	}
	http = job_run_spec(d, own, watch, body, st);
	cJSON_Delete(own);
	return http;
}

static int job_run_spec(struct docker *d, const cJSON *spec, const struct session_watch *watch,
			char **body, struct job_stats *st)
{
	struct job_result r;
	struct session s;
	memset(&r, 0, sizeof(r));
	r.spec = spec;
	const char *id = json_str(spec, "container", "");
	const cJSON *tests = cJSON_GetObjectItem(spec, "tests");
	r.judge = cJSON_IsArray(tests);
	r.ntests = r.judge ? cJSON_GetArraySize(tests) : 1;
	const cJSON *lang = cJSON_GetObjectItem(spec, "lang");
	r.has_compile = cJSON_GetArraySize(cJSON_GetObjectItem(lang, "compile")) > 0;
	r.want_files = cJSON_GetArraySize(cJSON_GetObjectItem(spec, "output_files")) > 0;
	r.runs = calloc((size_t)r.ntests, sizeof(*r.runs));
	r.verdicts = calloc((size_t)r.ntests, sizeof(*r.verdicts));
	if (cJSON_GetObjectItem(spec, "checker")) {
		r.points = calloc((size_t)r.ntests, sizeof(*r.points));
		r.ck_msg = calloc((size_t)r.ntests, sizeof(*r.ck_msg));
	}
	long t0 = clock_ms();
	struct limits_state ls = { .d = d, .id = id };
	st->ended = 0;
	st->gone = 0;
	st->keep = NULL;
	st->limits_changed = 0;
	if (!r.runs || !r.verdicts || (cJSON_GetObjectItem(spec, "checker") && !r.ck_msg)) {
		snprintf(r.error, sizeof(r.error), "out of memory");
	} else if (limits_initial(&ls, spec, r.has_compile) < 0) {
		engine_failed(&r, d, "cannot set the job's limits");
	} else if (cJSON_IsTrue(cJSON_GetObjectItem(spec, "pause")) && unpause(d, id) < 0) {
		engine_failed(&r, d, "the job's container is not usable (unpause)");
	} else {
		/* the engine refuses to attach to a paused container; the helper waits on stdin */
		r.ms_unpause = clock_ms() - t0;
		const char *transport = json_str(spec, "transport", "");
		if (open_helper(&s, d, id, transport) < 0) {
			engine_failed(&r, d,
				      !strcmp(transport, "exec")
					      ? "the job's container is not usable (exec)"
					      : "the job's container is not usable (attach)");
		} else {
			r.ms_attach = clock_ms() - t0 - r.ms_unpause;
			s.watch = watch;
			job_steps(&s, spec, &r, &ls);
			r.cancelled = s.cancelled;
			r.seq = job_seq(&r);
			if (job_reusable(&r, spec) && (st->keep = malloc(sizeof(*st->keep)))) {
				*st->keep = s; /* the worker resets it after the answer (reuse.c) */
				st->limits_changed = ls.changed;
			} else {
				job_end(&s, transport, &r, st);
			}
		}
		if (!st->keep)
			session_close(&s);
	}
	r.ms_total = clock_ms() - t0;
	st->gone = r.gone;
	int http = 500;
	*body = result_json(&r, &http);
	snprintf(st->status, sizeof(st->status), "%s", r.status ? r.status : "internal_error");
	st->compile_s = r.compile_ran ? (double)r.compile.wall_us / 1e6 : -1;
	st->run_s = (double)r.ms_run / 1000.0;
	buf_free(&r.compile.out);
	buf_free(&r.compile.err);
	for (int i = 0; r.runs && i < r.ntests; i++) {
		buf_free(&r.runs[i].out);
		buf_free(&r.runs[i].err);
	}
	free(r.runs);
	free(r.verdicts);
	free(r.points);
	free(r.ck_msg);
	outfiles_free(&r.files);
	if (r.cancelled)
		log_info("job %d: cancelled", (int)json_num(spec, "id", 0));
	else if (r.error[0])
		log_warnx("job %d: %s", (int)json_num(spec, "id", 0), r.error);
	return http;
}
