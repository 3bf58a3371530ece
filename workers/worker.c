/*
 * worker.c - the worker process loop: one message from the master at a time (JOB, FILL, REMOVE,
 * CLEANUP, PING, PAUSE, SHUTDOWN; their fields are listed in wire.h and checked here), all Docker
 * calls through this process's own client handle, and an IDLE message with the task's outcome
 * when it can take more work. A job's result goes back before its container is
 * removed, so removal never sits on the request's path.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "checker.h"
#include "container.h"
#include "job.h"
#include "jsonutil.h"
#include "log.h"
#include "orphans.h"
#include "reuse.h"
#include "wire.h"
#include "wire_msg.h"
#include "worker.h"

struct wctx {
	int fd;
	uint32_t gen;
	const struct config *cfg;
	struct docker *d;
	struct buf out;
	uint32_t job;    /* the job being run, 0 if none */
	int shutdown;    /* SHUTDOWN (or the master's end) seen during a job: exit after it */
};

/* During a job the master may send CANCEL (its client went away) or SHUTDOWN; both end the job. */
static int master_says_stop(void *arg)
{
	struct wctx *w = arg;
	struct buf in;
	struct wire_hdr h;
	buf_init(&in, 4096);
	int rc = wire_read_msg(w->fd, &in, &h, 1024, 1000);
	buf_free(&in);
	if (rc < 0 || h.type == MSG_SHUTDOWN) {
		w->shutdown = 1;
		return 1;
	}
	if (h.type == MSG_CANCEL && h.id == w->job)
		return 1;
	log_warnx("ignoring message %u (job %u) from the master during job %u", h.type, h.id,
		  w->job);
	return 0;
}

/* A streamed run's output, passed on to the master at once (MSG_CHUNK). */
static void pass_chunk(void *arg, uint32_t tag, const uint8_t *p, size_t n)
{
	struct wctx *w = arg;
	struct buf m;
	buf_init(&m, n + 64);
	if (wire_begin(&m, MSG_CHUNK, w->job, w->gen) == 0 && wire_put(&m, tag, p, n) == 0 &&
	    wire_end(&m, 0) == 0 && wire_write_all(w->fd, m.data, m.len) < 0)
		fatal("cannot write to the master");
	buf_free(&m);
}

/* Writes the message in w->out; the master being gone ends the worker. */
static void send_out(struct wctx *w)
{
	if (wire_write_all(w->fd, w->out.data, w->out.len) < 0)
		fatal("cannot write to the master");
}

/* A message with a JSON payload (or none). -1 when it does not fit the wire. */
static int reply(struct wctx *w, uint16_t type, uint32_t id, const char *payload)
{
	buf_reset(&w->out);
	if (wire_pack(&w->out, type, id, w->gen, payload, payload ? strlen(payload) : 0) < 0)
		return -1;
	send_out(w);
	return 0;
}

static int reply_result(struct wctx *w, uint32_t id, int http, const char *body)
{
	buf_reset(&w->out);
	if (wire_msg_result(&w->out, id, w->gen, http, body) < 0)
		return -1;
	send_out(w);
	return 0;
}

static void reply_idle(struct wctx *w, int ok)
{
	buf_reset(&w->out);
	if (wire_msg_idle(&w->out, w->gen, ok) < 0)
		fatalx("cannot build MSG_IDLE (out of memory)");
	send_out(w);
}

static int engine_down(const struct docker_error *e)
{
	return e->kind == DOCKER_E_TRANSPORT;
}

/* Counters for the master's /metrics: {"lang", "status", "compile_s", "run_s"} or {"created": n}
 * etc. (MSG_STATS in wire.h). */
static void stats(struct wctx *w, cJSON *o)
{
	char *txt = cJSON_PrintUnformatted(o);
	if (txt)
		reply(w, MSG_STATS, 0, txt);
	free(txt);
	cJSON_Delete(o);
}

static void count(struct wctx *w, const char *what, int n)
{
	if (n <= 0)
		return;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, what, n);
	stats(w, o);
}

/* Keys the worker needs in the master's messages (wire.h): a message without one is refused. */
static const char *const job_keys[] = {
	"id", "container", "transport", "pause", "source", "stdin", "time_ms", "wall_ms",
	"memory_mb", "cpus", "output_bytes", "fsize_bytes", "nofile", "lang.id", "lang.file",
	"lang.run", "lang.env", "lang.compile_time_ms", "lang.compile_memory_mb",
	"lang.container_memory_mb", "lang.workdir_slack_mb", "lang.container_cpus", "uses",
	"max_uses", NULL,
};
static const char *const fill_keys[] = {
	"lang", "image", "owner", "memory_mb", "cpus", "pids", "runtime", "pause", "transport",
	"workdir_mb", "tmp_mb", "shm_mb", "nofile", "fsize_bytes", "max_uses", NULL,
};
static const char *const container_keys[] = { "container", NULL };
static const char *const cleanup_keys[] = { "owner", "mine_too", NULL };

static void reply_json(struct wctx *w, uint16_t type, cJSON *o)
{
	char *txt = cJSON_PrintUnformatted(o);
	if (!txt || reply(w, type, 0, txt) < 0)
		log_errorx("cannot send message %u to the master (out of memory)", type);
	free(txt);
	cJSON_Delete(o);
}

/* pool.max_uses > 1, after the answer went out: a clean job's container is reset and sent back
 * to the master (MSG_READY with "uses" and "key"), 0; otherwise -1: the caller removes it.
 * A container that had uses left but is not reused counts as a discarded reset. */
static int reuse_after(struct wctx *w, const cJSON *spec, struct job_stats *st)
{
	int uses = (int)json_num(spec, "uses", 0) + 1;
	int left = uses < (int)json_num(spec, "max_uses", 1);
	if (!st->keep || !reuse_reset(w->d, spec, st->keep, st->limits_changed)) {
		st->keep = NULL;
		count(w, "reset_discarded", left);
		return -1;
	}
	st->keep = NULL;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "lang", json_str(cJSON_GetObjectItem(spec, "lang"), "id", ""));
	cJSON_AddStringToObject(o, "container", json_str(spec, "container", ""));
	cJSON_AddBoolToObject(o, "paused", 0);
	cJSON_AddNumberToObject(o, "uses", uses);
	cJSON_AddStringToObject(o, "key", json_str(spec, "reuse_key", ""));
	reply_json(w, MSG_READY, o);
	count(w, "reused", 1);
	return 0;
}

/* Runs a job and answers MSG_RESULT (or MSG_RETRY); 0 when the answer went out. */
static int do_job(struct wctx *w, uint32_t id, const cJSON *spec)
{
	char *body = NULL;
	struct job_stats st;
	struct session_watch watch = { .fd = w->fd, .check = master_says_stop, .arg = w,
				       .chunk = pass_chunk };
	w->job = id;
	int http = job_run(w->d, spec, &watch, &body, &st);
	w->job = 0;
	if (st.gone) {
		free(body);
		if (st.keep) { /* cannot be: gone means nothing ran */
			session_close(st.keep);
			free(st.keep);
		}
		reply(w, MSG_RETRY, id, NULL);
		return 0;
	}
	if (!body)
		body = json_error("out of memory", NULL);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "lang", json_str(cJSON_GetObjectItem(spec, "lang"), "id", ""));
	cJSON_AddStringToObject(o, "status", st.status);
	cJSON_AddNumberToObject(o, "compile_s", st.compile_s);
	cJSON_AddNumberToObject(o, "run_s", st.run_s);
	const cJSON *prob = cJSON_GetObjectItem(spec, "problem");
	if (prob)
		cJSON_AddStringToObject(o, "problem", json_str(prob, "id", ""));
	stats(w, o); /* before the result, so a scrape right after the answer sees it */
	int rc = reply_result(w, id, http, body);
	if (rc < 0) {
		/* over the wire cap (result.c budgets against it): the client still gets an
		 * answer */
		log_errorx("job %u: the result (%zu bytes) cannot be sent", id, strlen(body));
		reply_result(w, id, 500, "{\"status\":\"internal_error\","
			     "\"error\":\"the result is too large to send\"}");
	}
	free(body);
	const char *cid = json_str(spec, "container", NULL);
	if (json_num(spec, "max_uses", 1) > 1 && reuse_after(w, spec, &st) == 0)
		return rc;
	/* An attach-mode container whose helper was told to end exits and is removed by the engine
	 * (AutoRemove); any other is removed here. */
	if (cid)
		count(w, "removed", st.ended || container_remove(w->d, cid) == 0);
	return rc;
}

/* The sentence MSG_FAILED carries for a failed create: what to do about it, when known. */
static void fill_error(struct wctx *w, const cJSON *fill, const struct docker_error *e,
		       char *msg, size_t n)
{
	if (e->kind == DOCKER_E_HTTP && e->http == 404)
		snprintf(msg, n, "image %s is missing (run `make images`): %s",
			 json_str(fill, "image", "?"), e->msg);
	else if (strcasestr(e->msg, "runtime"))
		snprintf(msg, n,
			 "%s (docker.runtime = \"%s\": the engine must list it under Runtimes "
			 "in `docker info`; conf/setup.sh engine registers crun, or set \"runc\")",
			 e->msg, w->cfg->runtime);
	else
		snprintf(msg, n, "%s", e->msg);
}

/* Creates a container and answers MSG_READY, or MSG_FAILED; 0 when it was made. */
static int do_fill(struct wctx *w, const cJSON *fill)
{
	static char seen[64][CONF_ID_MAX];
	static int nseen;
	char id[65], ver[64] = "", msg[700];
	const char *lang = json_str(fill, "lang", "");
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "lang", lang);
	if (wire_msg_require(fill, fill_keys, msg, sizeof(msg)) < 0 ||
	    container_fill(w->d, fill, w->cfg->instance, w->cfg->seccomp, id) < 0) {
		int refused = msg[0] != '\0';
		if (refused)
			log_errorx("refusing a MSG_FILL: %s", msg);
		else
			fill_error(w, fill, docker_last_error(w->d), msg, sizeof(msg));
		cJSON_AddStringToObject(o, "error", msg);
		cJSON_AddBoolToObject(o, "engine_down",
				      !refused && engine_down(docker_last_error(w->d)));
		reply_json(w, MSG_FAILED, o);
		count(w, "create_failed", 1);
		return -1;
	}
	count(w, "created", 1);
	int known = 0;
	for (int i = 0; i < nseen; i++)
		known |= !strcmp(seen[i], lang);
	if (!known) {
		container_image_version(w->d, json_str(fill, "image", ""), ver, sizeof(ver));
		if (nseen < 64)
			snprintf(seen[nseen++], CONF_ID_MAX, "%s", lang);
		cJSON_AddStringToObject(o, "version", ver);
	}
	cJSON_AddStringToObject(o, "container", id);
	cJSON_AddBoolToObject(o, "paused", cJSON_IsTrue(cJSON_GetObjectItem(fill, "pause")));
	reply_json(w, MSG_READY, o);
	return 0;
}

static int do_ping(struct wctx *w)
{
	cJSON *o = cJSON_CreateObject();
	int ok = docker_ping(w->d) == 0;
	cJSON_AddBoolToObject(o, "engine", ok);
	if (!ok)
		cJSON_AddStringToObject(o, "error", docker_last_error(w->d)->msg);
	reply_json(w, MSG_PONG, o);
	return ok ? 0 : -1;
}

/* MSG_REMOVE (pause 0) or MSG_PAUSE (1) of o's "container". */
static int do_container(struct wctx *w, const cJSON *o, int pause)
{
	const char *id = json_str(o, "container", "");
	if (!pause) {
		int ok = container_remove(w->d, id) == 0;
		count(w, "removed", ok);
		return ok ? 0 : -1;
	}
	if (docker_pause(w->d, id) < 0) {
		log_warnx("pause %.12s: %s", id, docker_last_error(w->d)->msg);
		return -1;
	}
	return 0;
}

/* Runs one task; 0 when it succeeded. A message without a key it needs is refused here. */
static int run_task(struct wctx *w, const struct wire_hdr *h, const cJSON *o)
{
	char why[96];
	const char *const *keys = h->type == MSG_JOB ? job_keys
				: h->type == MSG_REMOVE || h->type == MSG_PAUSE ? container_keys
				: h->type == MSG_CLEANUP ? cleanup_keys : NULL;
	if (keys && wire_msg_require(o, keys, why, sizeof(why)) < 0) {
		log_errorx("refusing message %u (job %u) from the master: %s", h->type, h->id, why);
		if (h->type != MSG_JOB)
			return -1;
		reply_result(w, h->id, 500, "{\"status\":\"internal_error\","
			     "\"error\":\"the job reached its worker incomplete\"}");
		/* the master counts on us for it */
		const char *cid = json_str(o, "container", NULL);
		if (cid)
			count(w, "removed", container_remove(w->d, cid) == 0);
		return -1;
	}
	switch (h->type) {
	case MSG_JOB: return do_job(w, h->id, o);
	case MSG_FILL: return do_fill(w, o);
	case MSG_REMOVE: return do_container(w, o, 0);
	case MSG_PAUSE: return do_container(w, o, 1);
	case MSG_PING: return do_ping(w);
	case MSG_CLEANUP: {
		int n = container_cleanup(w->d, w->cfg, json_str(o, "owner", NULL),
					  cJSON_IsTrue(cJSON_GetObjectItem(o, "mine_too")));
		count(w, "removed", n);
		orphans_reap(w->d, w->cfg, json_str(o, "owner", NULL));
		return n < 0 ? -1 : 0;
	}
	default:
		log_warnx("unknown message type %u from the master", h->type);
		return -1;
	}
}

/* One task from the master, then MSG_IDLE with its outcome. */
static void handle(struct wctx *w, const struct wire_hdr *h, const char *payload)
{
	cJSON *o = h->len ? cJSON_ParseWithLength(payload, h->len) : NULL;
	int ok;
	if (h->len && !o) {
		log_errorx("refusing message %u (job %u): its payload is not JSON", h->type, h->id);
		if (h->type == MSG_JOB)
			reply_result(w, h->id, 500, "{\"status\":\"internal_error\","
				     "\"error\":\"bad job message\"}");
		ok = 0;
	} else {
		ok = run_task(w, h, o) == 0;
	}
	cJSON_Delete(o);
	reply_idle(w, ok);
}

int worker_main(int fd, uint32_t gen, const struct config *c)
{
	struct wctx w = { .fd = fd, .gen = gen, .cfg = c };
	checker_init(c);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0) {
		log_error("prctl(PR_SET_PDEATHSIG)");
		return 1;
	}
	if (getppid() == 1)
		return 1;
	w.d = docker_open(c->docker_socket, c->docker_api, c->docker_timeout_ms);
	if (!w.d)
		return 1;
	buf_init(&w.out, (size_t)WIRE_MAX_PAYLOAD + WIRE_HDR_LEN);
	struct buf in;
	buf_init(&in, (size_t)WIRE_MAX_PAYLOAD + WIRE_HDR_LEN);
	for (;;) {
		struct wire_hdr h;
		if (wire_read_msg(fd, &in, &h, WIRE_MAX_PAYLOAD, -1) < 0)
			break; /* the master is gone or closed our socket */
		if (h.type == MSG_SHUTDOWN)
			break;
		if (h.type == MSG_CANCEL)
			continue; /* for a job that ended before it arrived */
		handle(&w, &h, in.data + WIRE_HDR_LEN);
		if (w.shutdown)
			break;
	}
	buf_free(&in);
	buf_free(&w.out);
	docker_close(w.d);
	return 0;
}
