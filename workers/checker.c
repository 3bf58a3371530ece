/*
 * checker.c - a stored problem's checker in a sandbox of its own (see checker.h): a fresh
 * hardened container of the checker's language, made by this worker for one job, holding the
 * cached checker program and the tests' inputs and answers; the solution's container never
 * holds either. Each check is a run of `checker <input> out.txt <answer>`, out.txt written from
 * its stdin (the solution's output) by /bin/sh first, judged by testlib's exit codes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checker.h"
#include "container.h"
#include "jobspec.h"
#include "jsonutil.h"
#include "log.h"

#define CHECKER_SLACK_MS 5000

static const struct config *cfg;

void checker_init(const struct config *c)
{
	cfg = c;
}

/* The spec jobspec_setup_msg() turns into the checker sandbox's H_SETUP. */
static cJSON *setup_spec(const cJSON *spec, const cJSON *ck)
{
	cJSON *o = cJSON_CreateObject(), *lang = cJSON_CreateObject(), *files, *t;
	int compiled = cJSON_IsTrue(cJSON_GetObjectItem(ck, "compiled"));
	cJSON_AddNumberToObject(o, "id", json_num(spec, "id", 0));
	cJSON_AddItemToObject(o, "lang", lang);
	cJSON_AddStringToObject(lang, "file", compiled ? "checker" : json_str(ck, "file", ""));
	/* the output arrives on stdin; testlib checkers want a file: the shell writes it first */
	cJSON *r = cJSON_AddArrayToObject(lang, "run"), *it;
	cJSON_AddItemToArray(r, cJSON_CreateString("/bin/sh"));
	cJSON_AddItemToArray(r, cJSON_CreateString("-c"));
	cJSON_AddItemToArray(r, cJSON_CreateString("cat > out.txt && exec \"$@\""));
	cJSON_AddItemToArray(r, cJSON_CreateString("sh"));
	if (compiled) {
		cJSON *c = cJSON_AddArrayToObject(lang, "compile");
		cJSON_AddItemToArray(c, cJSON_CreateString("chmod"));
		cJSON_AddItemToArray(c, cJSON_CreateString("0755"));
		cJSON_AddItemToArray(c, cJSON_CreateString("checker"));
		cJSON_AddItemToArray(r, cJSON_CreateString("./checker"));
	} else {
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(ck, "run")) {
			cJSON_AddItemToArray(r, cJSON_Duplicate(it, 0));
		}
	}
	cJSON_AddItemToObject(lang, "env", cJSON_Duplicate(cJSON_GetObjectItem(ck, "env"), 1));
	cJSON_AddNumberToObject(lang, "compile_time_ms", 10000);
	cJSON_AddNumberToObject(lang, "compile_memory_mb", 64);
	cJSON_AddStringToObject(o, "source", json_str(ck, "program", ""));
	cJSON_AddStringToObject(o, "source_encoding", compiled ? "base64" : "utf8");
	files = cJSON_AddArrayToObject(o, "files");
	int i = 0;
	cJSON_ArrayForEach(t, cJSON_GetObjectItem(spec, "tests")) {
		char name[32];
		for (int k = 0; k < 2; k++) {
			cJSON *f = cJSON_CreateObject();
			snprintf(name, sizeof(name), "t/%d.%s", i, k ? "ans" : "in");
			cJSON_AddStringToObject(f, "name", name);
			cJSON_AddStringToObject(f, "content",
						json_str(t, k ? "expected_output" : "stdin", ""));
			cJSON_AddItemToArray(files, f);
		}
		i++;
	}
	double ms = json_num(ck, "time_limit", 5) * 1000;
	cJSON_AddNumberToObject(o, "time_ms", ms);
	cJSON_AddNumberToObject(o, "wall_ms", ms * 2);
	cJSON_AddNumberToObject(o, "memory_mb", json_num(ck, "memory_limit_mb", 256));
	cJSON_AddNumberToObject(o, "output_bytes", 65536);
	cJSON_AddNumberToObject(o, "fsize_bytes", 1 << 20);
	cJSON_AddNumberToObject(o, "nofile", 64);
	return o;
}

/* The create spec of the checker's container (container.c), hardened as the pool's. */
static cJSON *fill_spec(const cJSON *sandbox, const cJSON *ck)
{
	cJSON *f = cJSON_Duplicate(sandbox, 1);
	cJSON_AddStringToObject(f, "lang", json_str(ck, "lang", ""));
	cJSON_AddStringToObject(f, "image", json_str(ck, "image", ""));
	cJSON_AddNumberToObject(f, "memory_mb", json_num(ck, "memory_limit_mb", 256) +
							json_num(sandbox, "slack_mb", 0));
	cJSON_AddBoolToObject(f, "pause", 0);
	return f;
}

int checker_open(struct checker *c, struct docker *d, const cJSON *spec)
{
	const cJSON *p = cJSON_GetObjectItem(spec, "problem");
	const cJSON *ck = cJSON_GetObjectItem(spec, "checker");
	memset(c, 0, sizeof(*c));
	c->d = d;
	c->time_ms = (uint64_t)(json_num(ck, "time_limit", 5) * 1000);
	c->mem_kb = (uint64_t)json_num(ck, "memory_limit_mb", 256) * 1024;
	cJSON *fill = fill_spec(cJSON_GetObjectItem(p, "sandbox"), ck);
	int rc = container_fill(d, fill, cfg->instance, cfg->seccomp, c->id);
	cJSON_Delete(fill);
	if (rc < 0) {
		snprintf(c->error, sizeof(c->error), "the checker's sandbox cannot be made: %.300s",
			 docker_last_error(d)->msg);
		c->id[0] = '\0';
		return -1;
	}
	if (session_open(&c->s, d, c->id, "attach") < 0) {
		snprintf(c->error, sizeof(c->error), "the checker's sandbox cannot be reached");
		return -1;
	}
	c->open = 1;
	cJSON *ss = setup_spec(spec, ck);
	struct buf m;
	buf_init(&m, (size_t)WIRE_MAX_PAYLOAD);
	rc = jobspec_setup_msg(ss, &m);
	cJSON_Delete(ss);
	if (rc == 0)
		rc = session_send(&c->s, &m, SESSION_IO_MS);
	buf_free(&m);
	if (rc == 0 && cJSON_IsTrue(cJSON_GetObjectItem(ck, "compiled"))) {
		struct step st = { 0 };
		rc = session_recv_step(&c->s, STEP_COMPILE, &st, 4096, 10000 + CHECKER_SLACK_MS);
		if (rc == 0 && (st.exit_code || st.signal))
			rc = -1;
		buf_free(&st.out);
		buf_free(&st.err);
	}
	if (rc < 0)
		snprintf(c->error, sizeof(c->error), "the checker could not be set up: %.300s",
			 *c->s.error ? c->s.error : "chmod failed");
	return rc;
}

enum judge_verdict checker_check(struct checker *c, int i, const struct buf *out,
				 struct step *st, double *points)
{
	char in[32], ans[32];
	snprintf(in, sizeof(in), "t/%d.in", i);
	snprintf(ans, sizeof(ans), "t/%d.ans", i);
	cJSON *args = cJSON_CreateArray();
	cJSON_AddItemToArray(args, cJSON_CreateString(in));
	cJSON_AddItemToArray(args, cJSON_CreateString("out.txt"));
	cJSON_AddItemToArray(args, cJSON_CreateString(ans));
	*points = 0;
	int rc = session_send_run(&c->s, out->data ? out->data : "", args, 0);
	cJSON_Delete(args);
	if (rc == 0)
		rc = session_recv_step(&c->s, STEP_RUN, st, 4096,
				       (int)c->time_ms * 2 + CHECKER_SLACK_MS);
	if (rc < 0) {
		snprintf(c->error, sizeof(c->error), "the checker's sandbox failed: %.300s",
			 c->s.error);
		return VERDICT_JUDGE_ERROR;
	}
	if (judge_status(st, c->time_ms, c->mem_kb) != STATUS_OK && st->exit_code == 0)
		return VERDICT_JUDGE_ERROR;
	if (st->signal)
		return VERDICT_JUDGE_ERROR;
	switch (st->exit_code) {
	case 0: *points = 1; return VERDICT_ACCEPTED;
	case 1: return VERDICT_WRONG_ANSWER;
	case 2: return VERDICT_PRESENTATION_ERROR;
	case 7: {
		/* testlib's quitp: the points (a fraction of the test's) lead its message */
		double v = st->err.data ? strtod(st->err.data, NULL) : 0;
		*points = v > 0 && v <= 1 ? v : 0;
		return VERDICT_PARTIAL;
	}
	default: return VERDICT_JUDGE_ERROR; /* 3: the checker failed */
	}
}

void checker_close(struct checker *c)
{
	if (c->open)
		session_close(&c->s);
	if (c->id[0] && container_remove(c->d, c->id) < 0)
		log_warnx("checker: cannot remove its container %.12s", c->id);
	c->open = 0;
	c->id[0] = '\0';
}
