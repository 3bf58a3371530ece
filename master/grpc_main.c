/*
 * grpc_main.c - the gRPC process (see grpc_main.h). One thread runs the completion queue: new
 * calls, their request message, their end; it decodes the message and forwards the call to the
 * master (MSG_GR_CALL). Another reads the master's socket and sends each answer (MSG_GR_REPLY)
 * as the call's response and status. A mutex guards the calls between the two.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>

#include "buf.h"
#include "grpc_conv.h"
#include "grpc_main.h"
#include "health.pb-c.h"
#include "jsonutil.h"
#include "log.h"
#include "wire.h"

#define M_EXECUTE "/executor.CodeExecutor/Execute"
#define M_STREAM "/executor.CodeExecutor/ExecuteStream"
#define M_HEALTH "/grpc.health.v1.Health/Check"
#define REPLY_MAX (WIRE_MAX_PAYLOAD)
#define HEALTH_SERVING GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING
#define HEALTH_NOT_SERVING GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__NOT_SERVING
typedef Grpc__Health__V1__HealthCheckResponse HealthResponse;

enum tag_kind { TAG_NEW, TAG_RECV, TAG_CLOSE, TAG_SEND, TAG_SHUTDOWN };

/* A message waiting to be sent on a call: one at a time may be in flight (gRPC's rule). */
struct outmsg {
	uint8_t *p;              /* the message, or NULL (a status alone) */
	size_t n;
	int final;               /* with the status: the call's last */
	grpc_status_code code;
	char *msg, *field;
	struct outmsg *next;
};

struct gcall;
struct gtag {
	struct gcall *c;
	enum tag_kind kind;
};

struct gcall {
	uint32_t id;
	grpc_call *call;
	grpc_call_details details;
	grpc_metadata_array md;
	grpc_byte_buffer *recv, *send;
	grpc_metadata trailer;   /* x-field, for INVALID_ARGUMENT naming a field */
	int has_trailer;
	int cancelled;           /* RECV_CLOSE_ON_SERVER: the client went away or its deadline */
	int refs;                /* batches in flight */
	int closed, answered, forwarded;
	int stream;              /* ExecuteStream: output events, then the result event */
	int md_sent, sending;    /* initial metadata sent; a batch of sends in flight */
	struct outmsg *q, *q_tail;
	struct gtag t_new, t_recv, t_close, t_send;
	struct gcall *next;      /* the calls the master may answer */
};

static struct {
	int fd;
	uint32_t gen;
	const struct config *cfg;
	grpc_server *server;
	grpc_completion_queue *cq;
	pthread_mutex_t mu;
	struct gcall *calls;
	uint32_t next_id;
	struct gtag t_shutdown;
} G = { .mu = PTHREAD_MUTEX_INITIALIZER };

static int send_json(uint16_t type, uint32_t id, cJSON *o)
{
	char *txt = o ? cJSON_PrintUnformatted(o) : NULL;
	cJSON_Delete(o);
	if (!txt)
		return -1;
	struct buf b;
	buf_init(&b, WIRE_MAX_PAYLOAD + WIRE_HDR_LEN);
	int rc = wire_pack(&b, type, id, G.gen, txt, strlen(txt));
	free(txt);
	if (rc == 0 && (rc = wire_write_all(G.fd, b.data, b.len)) < 0)
		log_warn("grpc: writing to the master");
	buf_free(&b);
	return rc;
}

static void outmsg_free(struct outmsg *o)
{
	free(o->p);
	free(o->msg);
	free(o->field);
	free(o);
}

static void call_free(struct gcall *c)
{
	while (c->q) {
		struct outmsg *o = c->q;
		c->q = o->next;
		outmsg_free(o);
	}
	if (c->call)
		grpc_call_unref(c->call);
	grpc_call_details_destroy(&c->details);
	grpc_metadata_array_destroy(&c->md);
	if (c->recv)
		grpc_byte_buffer_destroy(c->recv);
	if (c->send)
		grpc_byte_buffer_destroy(c->send);
	if (c->has_trailer) {
		grpc_slice_unref(c->trailer.key);
		grpc_slice_unref(c->trailer.value);
	}
	free(c);
}

static void call_unlink(struct gcall *c)
{
	for (struct gcall **p = &G.calls; *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			return;
		}
}

/* Asks for the next call; a new one is waited for as soon as one arrives. */
static void request_next(void)
{
	struct gcall *c = calloc(1, sizeof(*c));
	if (!c)
		fatalx("grpc: out of memory");
	c->t_new = (struct gtag){ c, TAG_NEW };
	c->t_recv = (struct gtag){ c, TAG_RECV };
	c->t_close = (struct gtag){ c, TAG_CLOSE };
	c->t_send = (struct gtag){ c, TAG_SEND };
	grpc_call_details_init(&c->details);
	grpc_metadata_array_init(&c->md);
	if (grpc_server_request_call(G.server, &c->call, &c->details, &c->md, G.cq, G.cq,
				     &c->t_new) != GRPC_CALL_OK) {
		log_errorx("grpc: cannot wait for calls");
		call_free(c);
	}
}

/* The status op of o (the call's last): details, and x-field in the trailing metadata. */
static void status_op(struct gcall *c, grpc_op *op, const struct outmsg *o, grpc_slice *details)
{
	*details = grpc_slice_from_copied_string(o->msg ? o->msg : "");
	if (o->field && *o->field) {
		c->trailer.key = grpc_slice_from_static_string("x-field");
		c->trailer.value = grpc_slice_from_copied_string(o->field);
		c->has_trailer = 1;
	}
	op->op = GRPC_OP_SEND_STATUS_FROM_SERVER;
	op->data.send_status_from_server.status = o->code;
	op->data.send_status_from_server.status_details = o->msg ? details : NULL;
	op->data.send_status_from_server.trailing_metadata_count = (size_t)c->has_trailer;
	op->data.send_status_from_server.trailing_metadata = &c->trailer;
}

/* Starts sending the next queued message, unless one is in flight. */
static void send_next(struct gcall *c)
{
	struct outmsg *o = c->q;
	if (c->sending || !o || c->closed)
		return;
	if (!(c->q = o->next))
		c->q_tail = NULL;
	grpc_op ops[3];
	size_t k = 0;
	grpc_slice details = grpc_empty_slice();
	memset(ops, 0, sizeof(ops));
	if (!c->md_sent)
		ops[k++].op = GRPC_OP_SEND_INITIAL_METADATA;
	if (o->p) {
		grpc_slice s = grpc_slice_from_copied_buffer((const char *)o->p, o->n);
		c->send = grpc_raw_byte_buffer_create(&s, 1);
		grpc_slice_unref(s);
		ops[k].op = GRPC_OP_SEND_MESSAGE;
		ops[k++].data.send_message.send_message = c->send;
	}
	if (o->final)
		status_op(c, &ops[k++], o, &details);
	grpc_call_error e = grpc_call_start_batch(c->call, ops, k, &c->t_send, NULL);
	grpc_slice_unref(details);
	if (e != GRPC_CALL_OK) {
		log_errorx("grpc: call %u: cannot send (%d)", c->id, (int)e);
	} else {
		c->md_sent = 1;
		c->sending = 1;
		c->refs++;
	}
	outmsg_free(o);
}

/* Queues a message (bytes p[0..n), or none) and, when final, the status. */
static void enqueue(struct gcall *c, const uint8_t *p, size_t n, int final, grpc_status_code code,
		    const char *msg, const char *field)
{
	struct outmsg *o = calloc(1, sizeof(*o));
	if (!o || (p && !(o->p = malloc(n + 1))) || (msg && !(o->msg = strdup(msg))) ||
	    (field && !(o->field = strdup(field))))
		fatalx("grpc: out of memory");
	if (p)
		memcpy(o->p, p, n);
	o->n = n;
	o->final = final;
	o->code = code;
	if (c->q_tail)
		c->q_tail->next = o;
	else
		c->q = o;
	c->q_tail = o;
	send_next(c);
}

/* Sends the status (and, when OK, the response message: bytes p[0..n)) after what is queued. */
static void answer(struct gcall *c, grpc_status_code code, const char *msg, const char *field,
		   const uint8_t *p, size_t n)
{
	c->answered = 1;
	enqueue(c, p, n, 1, code, msg, field);
	if (code != GRPC_STATUS_OK)
		log_debug("grpc: call %u: %s %s", c->id, grpc_conv_status_name(code),
			  msg ? msg : "");
}

/* The metadata value of key as a fresh string (NULL when absent). */
static char *metadata(const struct gcall *c, const char *key)
{
	for (size_t i = 0; i < c->md.count; i++) {
		const grpc_slice *k = &c->md.metadata[i].key, *v = &c->md.metadata[i].value;
		const char *kp = (const char *)GRPC_SLICE_START_PTR(*k);
		if (GRPC_SLICE_LENGTH(*k) == strlen(key) && !strncasecmp(kp, key, strlen(key)))
			return strndup((const char *)GRPC_SLICE_START_PTR(*v),
				       GRPC_SLICE_LENGTH(*v));
	}
	return NULL;
}

/* The API key as REST takes it: x-api-key, else authorization's "Bearer KEY". */
static void add_key(cJSON *o, const struct gcall *c)
{
	char *key = metadata(c, "x-api-key");
	char *auth = key ? NULL : metadata(c, "authorization");
	if (auth && !strncasecmp(auth, "Bearer ", 7))
		cJSON_AddStringToObject(o, "key", auth + 7);
	else if (key)
		cJSON_AddStringToObject(o, "key", key);
	free(key);
	free(auth);
}

/* The client's IP from the peer ("ipv4:127.0.0.1:5000", "ipv6:[::1]:5000"), as REST logs it. */
static void add_peer(cJSON *o, grpc_call *call)
{
	char *peer = grpc_call_get_peer(call);
	char ip[64] = "";
	const char *p = peer ? strchr(peer, ':') : NULL;
	if (p) {
		snprintf(ip, sizeof(ip), "%s", p + 1 + (p[1] == '['));
		char *end = strrchr(ip, ':');
		if (end && end > ip)
			*end = '\0';
		if ((end = strchr(ip, ']')))
			*end = '\0';
	}
	cJSON_AddStringToObject(o, "peer", ip[0] ? ip : "unknown");
	gpr_free(peer);
}

static void forward(struct gcall *c, const char *kind, cJSON *request)
{
	cJSON *o = cJSON_CreateObject();
	if (!o) {
		cJSON_Delete(request);
		answer(c, GRPC_STATUS_INTERNAL, "out of memory", NULL, NULL, 0);
		return;
	}
	cJSON_AddStringToObject(o, "kind", kind);
	add_key(o, c);
	add_peer(o, c->call);
	if (request)
		cJSON_AddItemToObject(o, "request", request);
	if (send_json(MSG_GR_CALL, c->id, o) < 0) {
		answer(c, GRPC_STATUS_UNAVAILABLE, "the service is not answering", NULL, NULL, 0);
		return;
	}
	c->forwarded = 1;
	c->next = G.calls;
	G.calls = c;
}

static int method_is(const struct gcall *c, const char *m)
{
	return GRPC_SLICE_LENGTH(c->details.method) == strlen(m) &&
	       !memcmp(GRPC_SLICE_START_PTR(c->details.method), m, strlen(m));
}

static void on_execute(struct gcall *c, const uint8_t *p, size_t n)
{
	Executor__ExecuteRequest *r = executor__execute_request__unpack(NULL, n, p);
	if (!r) {
		answer(c, GRPC_STATUS_INVALID_ARGUMENT, "the ExecuteRequest could not be decoded",
		       NULL, NULL, 0);
		return;
	}
	cJSON *j = grpc_conv_request(r);
	executor__execute_request__free_unpacked(r, NULL);
	if (!j)
		answer(c, GRPC_STATUS_INTERNAL, "out of memory", NULL, NULL, 0);
	else
		forward(c, c->stream ? "stream" : "execute", j);
}

static void on_health(struct gcall *c, const uint8_t *p, size_t n)
{
	Grpc__Health__V1__HealthCheckRequest *r =
		grpc__health__v1__health_check_request__unpack(NULL, n, p);
	if (!r) {
		answer(c, GRPC_STATUS_INVALID_ARGUMENT,
		       "the HealthCheckRequest could not be decoded", NULL, NULL, 0);
		return;
	}
	int known = !r->service || !*r->service || !strcmp(r->service, "executor.CodeExecutor");
	grpc__health__v1__health_check_request__free_unpacked(r, NULL);
	if (known)
		forward(c, "health", NULL);
	else
		answer(c, GRPC_STATUS_NOT_FOUND, "unknown service", NULL, NULL, 0);
}

/* The request message arrived (or the client half-closed without one). */
static void on_recv(struct gcall *c, int ok)
{
	if (!ok || c->closed)
		return;
	c->stream = method_is(c, M_STREAM);
	int exec = method_is(c, M_EXECUTE) || c->stream, health = method_is(c, M_HEALTH);
	if (!exec && !health) {
		answer(c, GRPC_STATUS_UNIMPLEMENTED, "no such method", NULL, NULL, 0);
		return;
	}
	if (!c->recv) {
		answer(c, GRPC_STATUS_INVALID_ARGUMENT, "no request message", NULL, NULL, 0);
		return;
	}
	grpc_byte_buffer_reader rd;
	if (!grpc_byte_buffer_reader_init(&rd, c->recv)) {
		answer(c, GRPC_STATUS_INTERNAL, "cannot read the request", NULL, NULL, 0);
		return;
	}
	grpc_slice s = grpc_byte_buffer_reader_readall(&rd);
	grpc_byte_buffer_reader_destroy(&rd);
	(exec ? on_execute : on_health)(c, GRPC_SLICE_START_PTR(s), GRPC_SLICE_LENGTH(s));
	grpc_slice_unref(s);
}

static void start_call(struct gcall *c)
{
	grpc_op recv, close;
	memset(&recv, 0, sizeof(recv));
	memset(&close, 0, sizeof(close));
	c->id = ++G.next_id ? G.next_id : ++G.next_id;
	recv.op = GRPC_OP_RECV_MESSAGE;
	recv.data.recv_message.recv_message = &c->recv;
	close.op = GRPC_OP_RECV_CLOSE_ON_SERVER;
	close.data.recv_close_on_server.cancelled = &c->cancelled;
	if (grpc_call_start_batch(c->call, &recv, 1, &c->t_recv, NULL) == GRPC_CALL_OK)
		c->refs++;
	if (grpc_call_start_batch(c->call, &close, 1, &c->t_close, NULL) == GRPC_CALL_OK)
		c->refs++;
	else
		c->closed = 1;
}

/* One completion; returns 0 when the queue is shut down. */
static void on_event(struct gtag *t, int ok)
{
	struct gcall *c = t->c;
	switch (t->kind) {
	case TAG_SHUTDOWN:
		grpc_completion_queue_shutdown(G.cq);
		return;
	case TAG_NEW:
		if (!ok) { /* the server is shutting down */
			call_free(c);
			return;
		}
		request_next();
		start_call(c);
		break;
	case TAG_RECV:
		c->refs--;
		on_recv(c, ok);
		break;
	case TAG_CLOSE:
		c->refs--;
		c->closed = 1;
		call_unlink(c);
		/* the client's deadline passed or it cancelled: the job is cancelled too */
		if (c->cancelled && c->forwarded && !c->answered)
			send_json(MSG_GR_CANCEL, c->id, cJSON_CreateObject());
		break;
	case TAG_SEND:
		c->refs--;
		c->sending = 0;
		if (c->send)
			grpc_byte_buffer_destroy(c->send);
		c->send = NULL;
		send_next(c);
		break;
	}
	if (c->closed && c->refs == 0)
		call_free(c);
}

/* MSG_GR_REPLY: {"code", "message", "field", "result" (OK execute), "serving" (OK health)}. */
static void on_reply(struct gcall *c, const cJSON *o)
{
	int code = (int)json_num(o, "code", GRPC_STATUS_INTERNAL);
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(o, "result");
	const cJSON *serving = cJSON_GetObjectItemCaseSensitive(o, "serving");
	if (code != GRPC_STATUS_OK) {
		answer(c, (grpc_status_code)code, json_str(o, "message", "error"),
		       json_str(o, "field", NULL), NULL, 0);
		return;
	}
	uint8_t *p = NULL;
	size_t n = 0;
	if (cJSON_IsBool(serving)) {
		HealthResponse h = GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__INIT;
		h.status = cJSON_IsTrue(serving) ? HEALTH_SERVING : HEALTH_NOT_SERVING;
		n = grpc__health__v1__health_check_response__get_packed_size(&h);
		if ((p = malloc(n + 1)))
			grpc__health__v1__health_check_response__pack(&h, p);
	} else if (grpc_conv_response(res, &p, &n) < 0) {
		p = NULL;
	} else if (c->stream) { /* the last event */
		uint8_t *r = p;
		if (grpc_conv_result_event(r, n, &p, &n) < 0)
			p = NULL;
		free(r);
	}
	if (!p)
		answer(c, GRPC_STATUS_INTERNAL, "the result could not be encoded", NULL, NULL, 0);
	else
		answer(c, GRPC_STATUS_OK, NULL, NULL, p, n);
	free(p);
}

/* MSG_GR_CHUNK: {"stream", "data"} as an OutputChunk event of an ExecuteStream call. */
static void on_chunk(struct gcall *c, const cJSON *o)
{
	const char *data = json_str(o, "data", "");
	uint8_t *p;
	size_t n;
	if (!c->stream)
		return;
	if (grpc_conv_chunk_event(json_str(o, "stream", "stdout"), (const uint8_t *)data,
				  strlen(data), &p, &n) < 0)
		fatalx("grpc: out of memory");
	enqueue(c, p, n, 0, GRPC_STATUS_OK, NULL, NULL);
	free(p);
}

static void shutdown_server(void)
{
	G.t_shutdown = (struct gtag){ NULL, TAG_SHUTDOWN };
	grpc_server_shutdown_and_notify(G.server, G.cq, &G.t_shutdown);
	grpc_server_cancel_all_calls(G.server);
}

/* The second thread: the master's answers, until MSG_SHUTDOWN or EOF. */
static void *reader(void *arg)
{
	(void)arg;
	struct buf b;
	buf_init(&b, REPLY_MAX + WIRE_HDR_LEN);
	for (;;) {
		struct wire_hdr h;
		if (wire_read_msg(G.fd, &b, &h, REPLY_MAX, -1) < 0 || h.type == MSG_SHUTDOWN)
			break;
		if (h.type != MSG_GR_REPLY && h.type != MSG_GR_CHUNK) {
			log_warnx("grpc: unexpected message %u from the master", h.type);
			continue;
		}
		cJSON *o = cJSON_ParseWithLength(b.data + WIRE_HDR_LEN, h.len);
		pthread_mutex_lock(&G.mu);
		struct gcall *c = G.calls;
		while (c && c->id != h.id)
			c = c->next;
		if (c && o && !c->answered && !c->closed && h.type == MSG_GR_CHUNK) {
			on_chunk(c, o);
		} else if (c && o && !c->answered && !c->closed) {
			call_unlink(c);
			on_reply(c, o);
		}
		pthread_mutex_unlock(&G.mu);
		cJSON_Delete(o);
	}
	buf_free(&b);
	pthread_mutex_lock(&G.mu);
	shutdown_server();
	pthread_mutex_unlock(&G.mu);
	return NULL;
}

/* Creates, binds and starts the server; -1 when the port cannot be bound. */
static int server_start(void)
{
	grpc_arg args[2] = {
		{ .type = GRPC_ARG_INTEGER, .key = GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH,
		  .value.integer = G.cfg->body_kb * 1024 },
		{ .type = GRPC_ARG_INTEGER, .key = GRPC_ARG_MAX_SEND_MESSAGE_LENGTH,
		  .value.integer = -1 },
	};
	grpc_channel_args ca = { 2, args };
	char addr[96];
	snprintf(addr, sizeof(addr), "%s:%d", G.cfg->address, G.cfg->grpc_port);
	G.cq = grpc_completion_queue_create_for_next(NULL);
	G.server = grpc_server_create(&ca, NULL);
	grpc_server_register_completion_queue(G.server, G.cq, NULL);
	grpc_server_credentials *cr = grpc_insecure_server_credentials_create();
	int port = grpc_server_add_http2_port(G.server, addr, cr);
	grpc_server_credentials_release(cr);
	if (port <= 0) {
		log_errorx("grpc: cannot listen on %s", addr);
		return -1;
	}
	grpc_server_start(G.server);
	log_info("grpc: listening on %s", addr);
	return 0;
}

int grpc_main(int fd, uint32_t gen, const struct config *c)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || prctl(PR_SET_NAME, GRPC_PROC_NAME) < 0)
		log_warn("prctl");
	G.fd = fd;
	G.gen = gen;
	G.cfg = c;
	grpc_init();
	int rc = server_start();
	pthread_t th;
	if (rc == 0 && pthread_create(&th, NULL, reader, NULL) != 0) {
		log_errorx("grpc: cannot start its reader thread");
		rc = -1;
	}
	if (rc < 0) {
		grpc_server_destroy(G.server);
		grpc_completion_queue_destroy(G.cq);
		grpc_shutdown();
		return 1;
	}
	pthread_mutex_lock(&G.mu);
	request_next();
	pthread_mutex_unlock(&G.mu);
	for (;;) {
		grpc_event ev = grpc_completion_queue_next(G.cq, gpr_inf_future(GPR_CLOCK_REALTIME),
							   NULL);
		if (ev.type == GRPC_QUEUE_SHUTDOWN)
			break;
		if (ev.type != GRPC_OP_COMPLETE)
			continue;
		pthread_mutex_lock(&G.mu);
		on_event(ev.tag, ev.success);
		pthread_mutex_unlock(&G.mu);
	}
	pthread_join(th, NULL);
	grpc_server_destroy(G.server);
	grpc_completion_queue_destroy(G.cq);
	grpc_shutdown();
	return 0;
}
