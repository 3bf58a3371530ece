/*
 * grpc_proc.c - the master's side of the gRPC process (see grpc_proc.h): MSG_GR_CALL in, the
 * same admission, validation and queue as POST /execute, MSG_GR_REPLY out (the gRPC status code
 * chosen by grpc_conv_status), MSG_GR_CANCEL cancels a call's job like a REST client leaving.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <grpc/status.h>

#include "admit.h"
#include "buf.h"
#include "clock.h"
#include "grpc_conv.h"
#include "grpc_main.h"
#include "grpc_proc.h"
#include "health.h"
#include "jobs.h"
#include "jsonutil.h"
#include "log.h"
#include "metrics.h"
#include "procs.h"
#include "request.h"
#include "scheduler.h"

#define GRPC_PATH "/executor.CodeExecutor/Execute" /* for the access log and the metrics */
#define GRPC_STREAM_PATH "/executor.CodeExecutor/ExecuteStream"

/* A call whose job is queued or running. */
struct gjob {
	uint32_t call;
	struct job *job;
	char client[48];
	long t0;
	int stream;
	struct gjob *next;
};

static struct master *m;
static int index_ = -1;
static struct gjob *gjobs;

static void gjob_unlink(struct gjob *g)
{
	for (struct gjob **p = &gjobs; *p; p = &(*p)->next)
		if (*p == g) {
			*p = g->next;
			return;
		}
}

static void send_reply(uint32_t call, cJSON *o)
{
	char *txt = o ? cJSON_PrintUnformatted(o) : NULL;
	cJSON_Delete(o);
	if (!txt || procs_send(index_, MSG_GR_REPLY, call, txt) < 0)
		log_warnx("grpc: could not answer call %u", call);
	free(txt);
}

static void reply_error(uint32_t call, int code, const char *msg, const char *field)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "code", code);
	cJSON_AddStringToObject(o, "message", msg ? msg : grpc_conv_status_name(code));
	if (field && *field)
		cJSON_AddStringToObject(o, "field", field);
	send_reply(call, o);
}

/* An HTTP error body ({"error", "field"}) as a gRPC status. */
static void reply_http(uint32_t call, int code, const char *body)
{
	cJSON *b = body ? cJSON_Parse(body) : NULL;
	reply_error(call, code, json_str(b, "error", NULL), json_str(b, "field", NULL));
	cJSON_Delete(b);
}

static void access_log(const char *client, int stream, int code, const char *lang, uint32_t job,
		       long t0)
{
	log_info("request client=%s method=GRPC path=%s status=%s language=%s job=%u total_ms=%ld",
		 client, stream ? GRPC_STREAM_PATH : GRPC_PATH, grpc_conv_status_name(code),
		 lang && *lang ? lang : "-", job, clock_ms() - t0);
}

/* The job's completion callback: the native result (or error) goes back to the call. */
static void job_done(struct job *j, void *arg)
{
	struct gjob *g = arg;
	int code = grpc_conv_status(j->http, 0);
	if (code == GRPC_STATUS_OK && j->body) {
		struct buf b;
		buf_init(&b, (size_t)WIRE_MAX_PAYLOAD);
		/* the body is the worker's JSON, passed on unparsed */
		if (buf_append(&b, "{\"code\":0,\"result\":", 19) < 0 ||
		    buf_append(&b, j->body, strlen(j->body)) < 0 || buf_append(&b, "}", 2) < 0 ||
		    procs_send(index_, MSG_GR_REPLY, g->call, b.data) < 0)
			log_warnx("grpc: could not answer call %u", g->call);
		buf_free(&b);
	} else {
		reply_http(g->call, code, j->body);
	}
	metrics_request(g->stream ? GRPC_STREAM_PATH : GRPC_PATH, j->http);
	access_log(g->client, g->stream, code, j->lang, j->id, g->t0);
	gjob_unlink(g);
	free(g);
	jobs_free(j);
}

/* A streamed job's output, passed on to its ExecuteStream call at once. */
static void job_chunk(struct job *j, uint32_t tag, const uint8_t *p, size_t n, void *arg)
{
	(void)j;
	struct gjob *g = arg;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "stream", tag == T_STDOUT ? "stdout" : "stderr");
	cJSON_AddItemToObject(o, "data", json_bytes((const char *)p, n));
	char *txt = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!txt || procs_send(index_, MSG_GR_CHUNK, g->call, txt) < 0)
		log_warnx("grpc: could not pass output to call %u", g->call);
	free(txt);
}

/* Admission, then request.c's checks, then the queue: as POST /execute. stream: the output is
 * passed on as it is written (not in judge mode). */
static void call_execute(uint32_t call, const cJSON *q, const char *client, long t0,
			 int stream)
{
	struct admit_verdict v;
	admit_check(&m->cfg, client, 1, m->running + m->queue.len, (double)clock_ms() / 1000.0,
		    &v);
	if (v.http) {
		metrics_rate_limited(v.which);
		reply_error(call, grpc_conv_status(v.http, 0), v.msg, NULL);
		return;
	}
	char *txt = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(q, "request"));
	struct req_error e;
	cJSON *spec = NULL;
	int made = txt != NULL;
	int rc = made ? request_parse(txt, strlen(txt), &m->cfg, &spec, &e) : -1;
	free(txt);
	if (rc < 0) {
		int code = made ? grpc_conv_status(e.http, 0) : GRPC_STATUS_INTERNAL;
		reply_error(call, code, made ? e.msg : "out of memory", made ? e.field : NULL);
		access_log(client, stream, code, NULL, 0, t0);
		return;
	}
	const char *lang = request_lang_id(spec);
	char owner[65];
	admit_owner(&m->cfg, json_str(q, "key", NULL), owner);
	cJSON_AddStringToObject(spec, "reuse_key", owner); /* pool.reuse_scope "key" */
	stream = stream && !cJSON_GetObjectItem(spec, "tests");
	if (stream)
		cJSON_AddBoolToObject(spec, "stream", 1);
	struct gjob *g = calloc(1, sizeof(*g));
	int http = 500;
	char *body = NULL;
	struct job *j = g ? sched_submit(spec, lang, job_done, g, &http, &body) : NULL;
	if (!j) {
		/* refused at the door: a full queue is RESOURCE_EXHAUSTED, a stop UNAVAILABLE */
		int code = grpc_conv_status(http, g && m->stopping == STOP_NONE);
		reply_http(call, code, body);
		access_log(client, stream, code, lang, 0, t0);
		cJSON_Delete(spec);
		free(body);
		free(g);
		return;
	}
	*g = (struct gjob){ .call = call, .job = j, .t0 = t0, .stream = stream, .next = gjobs };
	if (stream)
		j->on_chunk = job_chunk;
	snprintf(g->client, sizeof(g->client), "%s", client);
	gjobs = g;
	sched_kick();
}

static void on_call(uint32_t call, const char *payload, size_t len)
{
	long t0 = clock_ms();
	cJSON *q = cJSON_ParseWithLength(payload, len);
	const char *kind = json_str(q, "kind", ""), *client = json_str(q, "peer", "unknown");
	if (!strcmp(kind, "health")) { /* unkeyed, as GET /health */
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "code", GRPC_STATUS_OK);
		cJSON_AddBoolToObject(o, "serving", health_http_status(m) == 200);
		send_reply(call, o);
	} else if (strcmp(kind, "execute") && strcmp(kind, "stream")) {
		reply_error(call, GRPC_STATUS_INTERNAL, "unknown call kind", NULL);
	} else if (!admit_key_ok(&m->cfg, json_str(q, "key", NULL))) {
		reply_error(call, GRPC_STATUS_UNAUTHENTICATED,
			    "a valid API key is required (metadata x-api-key: KEY or "
			    "authorization: Bearer KEY)",
			    "authorization");
		access_log(client, !strcmp(kind, "stream"), GRPC_STATUS_UNAUTHENTICATED, NULL, 0,
			   t0);
	} else {
		call_execute(call, q, client, t0, !strcmp(kind, "stream"));
	}
	cJSON_Delete(q);
}

static void on_message(void *arg, int i, const struct wire_hdr *h, const char *payload)
{
	(void)arg;
	(void)i;
	if (h->type == MSG_GR_CALL) {
		on_call(h->id, payload, h->len);
		return;
	}
	if (h->type != MSG_GR_CANCEL) {
		log_warnx("grpc: unexpected message %u", h->type);
		return;
	}
	for (struct gjob *g = gjobs; g; g = g->next)
		if (g->call == h->id) {
			log_info("grpc: call %u: the client cancelled or its deadline passed",
				 h->id);
			sched_cancel(g->job); /* may end the job now: g is then freed */
			return;
		}
}

static void on_started(void *arg, int i, int respawned)
{
	(void)arg;
	(void)i;
	if (respawned)
		log_info("grpc: process respawned");
}

/* The calls died with the process: their jobs are cancelled, like a gone REST client's. */
static void on_died(void *arg, int i)
{
	(void)arg;
	(void)i;
	log_warnx("grpc: the gRPC process died; it is being restarted");
	while (gjobs) {
		struct gjob *g = gjobs;
		struct job *j = g->job;
		gjobs = g->next;
		free(g);
		jobs_detach(j); /* freed when it ends */
		sched_cancel(j);
	}
}

static const struct procs_cb grpc_cb = { on_started, on_message, on_died, NULL };

int grpc_proc_start(struct master *state)
{
	m = state;
	if (m->cfg.grpc_port == 0)
		return 0;
	index_ = procs_add("grpc", grpc_main, &grpc_cb);
	return index_ < 0 ? -1 : 0;
}
