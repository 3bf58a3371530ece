/*
 * worker.c - the worker process loop: one message from the master at a time (JOB, FILL, REMOVE,
 * CLEANUP, PING, PAUSE, SHUTDOWN), all Docker calls through this process's own client handle, and an
 * IDLE message when it can take more work. A job's result goes back before its container is
 * removed, so removal never sits on the request's path.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "container.h"
#include "job.h"
#include "jsonutil.h"
#include "log.h"
#include "orphans.h"
#include "wire.h"
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
	log_warnx("ignoring message %u (job %u) from the master during job %u", h.type, h.id, w->job);
	return 0;
}

static int reply(struct wctx *w, uint16_t type, uint16_t flags, uint32_t id, const char *payload)
{
	size_t start = 0;
	buf_reset(&w->out);
	if (wire_pack(&w->out, type, id, w->gen, payload, payload ? strlen(payload) : 0) < 0)
		return -1;
	w->out.data[start + 2] = (char)(flags >> 8);
	w->out.data[start + 3] = (char)flags;
	if (wire_write_all(w->fd, w->out.data, w->out.len) < 0) {
		log_errorx("cannot write to the master: %s", strerror(errno));
		exit(1);
	}
	return 0;
}

static int engine_down(const struct docker_error *e)
{
	return e->kind == DOCKER_E_TRANSPORT;
}

/* Counters for the master's /metrics: {"lang","status","compile_s","run_s","created","removed",...}. */
static void stats(struct wctx *w, cJSON *o)
{
	char *txt = cJSON_PrintUnformatted(o);
	if (txt)
		reply(w, MSG_STATS, 0, 0, txt);
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

static void do_job(struct wctx *w, uint32_t id, const cJSON *spec)
{
	char *body = NULL;
	struct job_stats st;
	struct session_watch watch = { .fd = w->fd, .check = master_says_stop, .arg = w };
	w->job = id;
	int http = job_run(w->d, spec, &watch, &body, &st);
	w->job = 0;
	if (!body)
		body = json_error("out of memory", NULL);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "lang", cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(spec, "lang"), "id")));
	cJSON_AddStringToObject(o, "status", st.status);
	cJSON_AddNumberToObject(o, "compile_s", st.compile_s);
	cJSON_AddNumberToObject(o, "run_s", st.run_s);
	if (st.gone) {
		cJSON_Delete(o);
		reply(w, MSG_RETRY, 0, id, NULL);
		return;
	}
	stats(w, o); /* before the result, so a scrape right after the answer sees it */
	if (reply(w, MSG_RESULT, (uint16_t)http, id, body) < 0) {
		/* over the wire cap (result.c budgets against it): the client still gets an answer */
		log_errorx("job %u: the result (%zu bytes) cannot be sent", id, strlen(body));
		reply(w, MSG_RESULT, 500, id, "{\"status\":\"internal_error\",\"error\":\"the result is too large to send\"}");
	}
	free(body);
	/* An attach-mode container whose helper was told to end exits and is removed by the engine
	 * (AutoRemove); any other is removed here. */
	const char *cid = cJSON_GetStringValue(cJSON_GetObjectItem(spec, "container"));
	if (cid)
		count(w, "removed", st.ended || container_remove(w->d, cid) == 0);
}

static void do_fill(struct wctx *w, const cJSON *fill)
{
	static char seen[64][CONF_ID_MAX];
	static int nseen;
	char id[65], ver[64] = "";
	const char *lang = cJSON_GetStringValue(cJSON_GetObjectItem(fill, "lang"));
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "lang", lang ? lang : "");
	if (container_fill(w->d, fill, w->cfg->instance, w->cfg->seccomp, id) < 0) {
		const struct docker_error *e = docker_last_error(w->d);
		char msg[700];
		if (e->kind == DOCKER_E_HTTP && e->http == 404)
			snprintf(msg, sizeof(msg), "image %s is missing (run `make images`): %s",
				 cJSON_GetStringValue(cJSON_GetObjectItem(fill, "image")), e->msg);
		else if (strcasestr(e->msg, "runtime"))
			snprintf(msg, sizeof(msg), "%s (docker.runtime = \"%s\": the engine must list it under Runtimes in "
				 "`docker info`; conf/setup.sh engine registers crun, or set \"runc\")", e->msg, w->cfg->runtime);
		else
			snprintf(msg, sizeof(msg), "%s", e->msg);
		cJSON_AddStringToObject(o, "error", msg);
		cJSON_AddBoolToObject(o, "engine_down", engine_down(e));
		char *txt = cJSON_PrintUnformatted(o);
		reply(w, MSG_FAILED, 0, 0, txt);
		free(txt);
		cJSON_Delete(o);
		count(w, "create_failed", 1);
		return;
	}
	count(w, "created", 1);
	int known = 0;
	for (int i = 0; lang && i < nseen; i++)
		known |= !strcmp(seen[i], lang);
	if (lang && !known) {
		container_image_version(w->d, cJSON_GetStringValue(cJSON_GetObjectItem(fill, "image")), ver, sizeof(ver));
		if (nseen < 64)
			snprintf(seen[nseen++], CONF_ID_MAX, "%s", lang);
		cJSON_AddStringToObject(o, "version", ver);
	}
	cJSON_AddStringToObject(o, "container", id);
	cJSON_AddBoolToObject(o, "paused", cJSON_IsTrue(cJSON_GetObjectItem(fill, "pause")));
	char *txt = cJSON_PrintUnformatted(o);
	reply(w, MSG_READY, 0, 0, txt);
	free(txt);
	cJSON_Delete(o);
}

static void do_ping(struct wctx *w)
{
	cJSON *o = cJSON_CreateObject();
	int ok = docker_ping(w->d) == 0;
	cJSON_AddBoolToObject(o, "engine", ok);
	if (!ok)
		cJSON_AddStringToObject(o, "error", docker_last_error(w->d)->msg);
	char *txt = cJSON_PrintUnformatted(o);
	reply(w, MSG_PONG, 0, 0, txt);
	free(txt);
	cJSON_Delete(o);
}

static void handle(struct wctx *w, const struct wire_hdr *h, const char *payload)
{
	cJSON *o = h->len ? cJSON_ParseWithLength(payload, h->len) : NULL;
	uint16_t flags = 0;
	switch (h->type) {
	case MSG_JOB:
		if (o)
			do_job(w, h->id, o);
		else
			reply(w, MSG_RESULT, 500, h->id, "{\"status\":\"internal_error\",\"error\":\"bad job message\"}");
		break;
	case MSG_FILL:
		if (o)
			do_fill(w, o);
		break;
	case MSG_REMOVE: {
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(o, "container"));
		if (id)
			count(w, "removed", container_remove(w->d, id) == 0);
		break;
	}
	case MSG_CLEANUP:
		count(w, "removed", container_cleanup(w->d, w->cfg, json_str(o, "owner", NULL),
							cJSON_IsTrue(cJSON_GetObjectItem(o, "mine_too"))));
		orphans_reap(w->d, w->cfg, json_str(o, "owner", NULL));
		break;
	case MSG_PAUSE: {
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(o, "container"));
		if (!id || docker_pause(w->d, id) < 0) {
			log_warnx("pause %.12s: %s", id ? id : "?", id ? docker_last_error(w->d)->msg : "no container");
			flags = 1;
		}
		break;
	}
	case MSG_PING:
		do_ping(w);
		break;
	default:
		log_warnx("unknown message type %u from the master", h->type);
	}
	cJSON_Delete(o);
	reply(w, MSG_IDLE, flags, 0, NULL);
}

int worker_main(int fd, uint32_t gen, const struct config *c)
{
	struct wctx w = { .fd = fd, .gen = gen, .cfg = c };
	prctl(PR_SET_PDEATHSIG, SIGKILL);
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
