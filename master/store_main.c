/*
 * store_main.c - the store process (see store_main.h): opens the configured back-end (retrying
 * every second while it cannot), turns each MSG_ST_* request into one store.h call and answers
 * MSG_ST_REPLY with the same id, and sweeps by age and count every store.sweep_interval_s.
 * A back-end that can lose its server (PostgreSQL) is pinged after a failed call and when idle:
 * while it does not answer the store says it is down (MSG_ST_STATE) and refuses at once, and it
 * pings every second until the server is back.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#include "buf.h"
#include "clock.h"
#include "jsonutil.h"
#include "log.h"
#include "store.h"
#include "store_main.h"
#include "store_problems.h"
#include "wire.h"

#define REOPEN_MS 1000
#define IDLE_PING_MS 5000 /* an idle connection is checked this often */
#define PENDING_BYTES (16u << 20) /* a MSG_ST_PENDING reply stops growing past this */

struct sctx {
	int fd;
	uint32_t gen;
	const struct config *cfg;
	const struct store_ops *ops;
	struct store *s;
	int lost;              /* open, but the server does not answer (ops->ping failed) */
	int dbcall;            /* the request got past validation: a failure is the database's */
	char error[256];       /* why it is not open, or lost */
	char where[256];       /* the database, as logged (a URL without its password) */
	long next_open, next_sweep, next_ping;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int send_json(struct sctx *x, uint16_t type, uint32_t id, cJSON *o)
{
	char *txt = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!txt)
		return -1;
	struct buf b;
	buf_init(&b, WIRE_MAX_PAYLOAD + WIRE_HDR_LEN);
	int rc = wire_pack(&b, type, id, x->gen, txt, strlen(txt));
	free(txt);
	if (rc == 0)
		rc = wire_write_all(x->fd, b.data, b.len);
	buf_free(&b);
	return rc;
}

static void send_state(struct sctx *x)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "ok", x->s && !x->lost);
	cJSON_AddStringToObject(o, "backend", x->ops->name);
	if (!x->s || x->lost)
		cJSON_AddStringToObject(o, "error", x->error);
	send_json(x, MSG_ST_STATE, 0, o);
}

static void try_open(struct sctx *x)
{
	if (x->s || clock_ms() < x->next_open)
		return;
	struct store_conf c = { .path = x->cfg->store_path,
				.busy_timeout_ms = x->cfg->store_busy_ms,
				.url = x->cfg->store_url,
				.connect_timeout_s = x->cfg->store_connect_s,
				.statement_timeout_ms = x->cfg->store_statement_ms };
	struct store_error e;
	char was[256];
	snprintf(was, sizeof(was), "%s", x->error);
	x->s = x->ops->open(&c, &e);
	x->next_open = clock_ms() + REOPEN_MS;
	if (x->s) {
		log_info("store: %s database %s open", x->ops->name, x->where);
		x->error[0] = '\0';
		send_state(x);
		return;
	}
	snprintf(x->error, sizeof(x->error), "%s", e.msg);
	if (strcmp(was, x->error)) { /* said once per distinct reason */
		log_errorx("store: %s", e.msg);
		send_state(x);
	}
}

/* Pings the server after a failure (e set to it: the reason kept when it does not answer), when
 * lost (every REOPEN_MS) and when idle (every IDLE_PING_MS); says when the state changes. */
static void check_alive(struct sctx *x, const struct store_error *failed)
{
	if (!x->s || !x->ops->ping || (!failed && clock_ms() < x->next_ping))
		return;
	struct store_error e;
	int ok = x->ops->ping(x->s, &e) == 0;
	x->next_ping = clock_ms() + (ok ? IDLE_PING_MS : REOPEN_MS);
	if (ok && x->lost) {
		x->lost = 0;
		x->error[0] = '\0';
		log_info("store: %s database %s answers again", x->ops->name, x->where);
		send_state(x);
	} else if (!ok && (!x->lost || strcmp(x->error, e.msg))) {
		int was = x->lost;
		x->lost = 1;
		snprintf(x->error, sizeof(x->error), "%s", e.msg);
		log_errorx("store: %s database %s does not answer: %s", x->ops->name, x->where,
			   e.msg);
		if (!was)
			send_state(x);
	}
}

static void sweep(struct sctx *x)
{
	if (!x->s || x->lost || clock_ms() < x->next_sweep)
		return;
	x->next_sweep = clock_ms() + x->cfg->store_sweep_s * 1000L;
	int64_t cutoff = x->cfg->store_retention_days > 0
				 ? now_ms() - (int64_t)x->cfg->store_retention_days * 86400000
				 : 0;
	struct store_error e;
	int n = x->ops->sweep(x->s, cutoff, x->cfg->store_max_rows, &e);
	if (n < 0) {
		log_warnx("store: sweep: %s", e.msg);
		check_alive(x, &e);
	} else if (n > 0) {
		log_info("store: swept %d finished submissions", n);
	}
}

static const char *str(const cJSON *o, const char *k)
{
	return json_str(o, k, "");
}

static cJSON *row_json(const struct store_row *r, int with_result)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "seq", (double)r->seq);
	cJSON_AddStringToObject(o, "token", r->token);
	cJSON_AddStringToObject(o, "lang", r->lang);
	cJSON_AddNumberToObject(o, "status", r->status);
	cJSON_AddNumberToObject(o, "attempts", r->attempts);
	cJSON_AddNumberToObject(o, "created_ms", (double)r->created_ms);
	cJSON_AddNumberToObject(o, "updated_ms", (double)r->updated_ms);
	cJSON_AddNumberToObject(o, "http", r->http);
	if (with_result) {
		if (r->result)
			cJSON_AddStringToObject(o, "result", r->result);
		else
			cJSON_AddNullToObject(o, "result");
	}
	return o;
}

static int list_row(const struct store_row *r, void *arg)
{
	cJSON_AddItemToArray(arg, row_json(r, 0));
	return 0;
}

struct pending {
	cJSON *rows;
	size_t bytes;
};

static int pending_row(const struct store_row *r, void *arg)
{
	struct pending *p = arg;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "seq", (double)r->seq);
	cJSON_AddStringToObject(o, "token", r->token);
	cJSON_AddStringToObject(o, "owner", r->owner);
	cJSON_AddStringToObject(o, "lang", r->lang);
	cJSON_AddStringToObject(o, "request", r->request ? r->request : "");
	cJSON_AddNumberToObject(o, "attempts", r->attempts);
	cJSON_AddNumberToObject(o, "created_ms", (double)r->created_ms);
	cJSON_AddItemToArray(p->rows, o);
	p->bytes += (r->request ? 6 * strlen(r->request) : 0) + 256; /* escaped, worst case */
	return p->bytes >= PENDING_BYTES;
}

static int do_pending(struct sctx *x, const cJSON *q, cJSON *out, struct store_error *e)
{
	int64_t upto = (int64_t)json_num(q, "upto", -1);
	if (upto < 0 && (upto = x->ops->last_seq(x->s, e)) < 0)
		return -1;
	struct pending p = { cJSON_AddArrayToObject(out, "rows"), 0 };
	cJSON_AddNumberToObject(out, "upto", (double)upto);
	return x->ops->pending(x->s, (int64_t)json_num(q, "after", 0), upto,
			       (int)json_num(q, "limit", 8), pending_row, &p, e);
}

static int do_list(struct sctx *x, const cJSON *q, cJSON *out, struct store_error *e)
{
	const char *lang = cJSON_GetStringValue(cJSON_GetObjectItem(q, "lang"));
	struct store_filter f = {
		.owner = str(q, "owner"), .lang = lang, .status = (int)json_num(q, "status", -1),
		.since_ms = (int64_t)json_num(q, "since_ms", 0),
		.before = (int64_t)json_num(q, "before", 0), .limit = (int)json_num(q, "limit", 20),
	};
	return x->ops->list(x->s, &f, list_row, cJSON_AddArrayToObject(out, "rows"), e);
}

static int do_get(struct sctx *x, const cJSON *q, cJSON *out, struct store_error *e)
{
	struct store_row r = { 0 };
	int found = x->ops->get(x->s, str(q, "token"), str(q, "owner"), &r, e);
	if (found < 0)
		return -1;
	cJSON_AddBoolToObject(out, "found", found);
	cJSON *row = found ? row_json(&r, 1) : NULL;
	if (row && cJSON_IsTrue(cJSON_GetObjectItem(q, "with_request"))) /* judge0.c renders it */
		cJSON_AddStringToObject(row, "request", r.request ? r.request : "");
	if (row)
		cJSON_AddItemToObject(out, "row", row);
	store_row_clear(&r);
	return 0;
}

static int do_put(struct sctx *x, const cJSON *q, struct store_error *e)
{
	struct store_row r = { .status = ST_QUEUED };
	snprintf(r.token, sizeof(r.token), "%s", str(q, "token"));
	snprintf(r.owner, sizeof(r.owner), "%s", str(q, "owner"));
	snprintf(r.lang, sizeof(r.lang), "%s", str(q, "lang"));
	r.created_ms = (int64_t)json_num(q, "created_ms", (double)now_ms());
	r.request = (char *)str(q, "request");
	return x->ops->put(x->s, &r, e);
}

/* One request: 0 with out filled, or -1 with e set. */
static int handle(struct sctx *x, uint16_t type, const cJSON *q, cJSON *out, struct store_error *e)
{
	static const char *const required[][6] = {
		[MSG_ST_PUT - MSG_ST_PUT] = { "token", "owner", "lang", "request", "created_ms" },
		[MSG_ST_GET - MSG_ST_PUT] = { "token", "owner" },
		[MSG_ST_LIST - MSG_ST_PUT] = { "owner", "limit", "before", "since_ms", "status" },
		[MSG_ST_DELETE - MSG_ST_PUT] = { "token", "owner" },
		[MSG_ST_START - MSG_ST_PUT] = { "token", "attempt", "now_ms" },
		[MSG_ST_FINISH - MSG_ST_PUT] = { "token", "status", "http", "result", "now_ms" },
		[MSG_ST_PENDING - MSG_ST_PUT] = { "after", "upto", "limit" },
	};
	if (type >= MSG_ST_PROB_PUT && type <= MSG_ST_PROB_DEL) {
		struct store_problems_ctx pc = { .cfg = x->cfg, .ops = x->ops, .s = x->s };
		return store_problems_handle(&pc, type, q, out, e);
	}
	if (type < MSG_ST_PUT || type > MSG_ST_PENDING)
		return snprintf(e->msg, sizeof(e->msg), "unknown request %u", type), -1;
	for (int i = 0; i < 6 && required[type - MSG_ST_PUT][i]; i++)
		if (!cJSON_GetObjectItem(q, required[type - MSG_ST_PUT][i]))
			return snprintf(e->msg, sizeof(e->msg), "request %u lacks \"%s\"", type,
					required[type - MSG_ST_PUT][i]), -1;
	x->dbcall = 1;
	if (!x->s || x->lost)
		return snprintf(e->msg, sizeof(e->msg), "%s", x->error), -1;
	int rc;
	switch (type) {
	case MSG_ST_PUT: return do_put(x, q, e);
	case MSG_ST_GET: return do_get(x, q, out, e);
	case MSG_ST_LIST: return do_list(x, q, out, e) < 0 ? -1 : 0;
	case MSG_ST_PENDING: return do_pending(x, q, out, e) < 0 ? -1 : 0;
	case MSG_ST_DELETE:
		rc = x->ops->del(x->s, str(q, "token"), str(q, "owner"), e);
		cJSON_AddBoolToObject(out, "found", rc == 1);
		return rc < 0 ? -1 : 0;
	case MSG_ST_START:
		rc = x->ops->start(x->s, str(q, "token"), (int)json_num(q, "attempt", 1),
				   (int64_t)json_num(q, "now_ms", 0), e);
		return rc < 0 ? -1 : 0;
	default:
		rc = x->ops->finish(x->s, str(q, "token"),
				    (enum store_status)json_num(q, "status", ST_FAILED),
				    (int)json_num(q, "http", 500), str(q, "result"),
				    (int64_t)json_num(q, "now_ms", 0), e);
		return rc < 0 ? -1 : 0;
	}
}

static void serve_one(struct sctx *x, const struct wire_hdr *h, const char *payload)
{
	cJSON *q = cJSON_ParseWithLength(payload, h->len);
	cJSON *out = cJSON_CreateObject();
	struct store_error e = { "" };
	int down = !x->s || x->lost;
	x->dbcall = 0;
	int rc = q ? handle(x, h->type, q, out, &e)
		   : (snprintf(e.msg, sizeof(e.msg), "unparseable request"), -1);
	cJSON_Delete(q);
	if (rc < 0) {
		if (!down && x->dbcall)
			check_alive(x, &e); /* a lost server: said (MSG_ST_STATE) before replying */
		cJSON_Delete(out);
		out = cJSON_CreateObject();
		cJSON_AddStringToObject(out, "error", e.msg);
		/* the database is away, or refused a valid call (a timeout, a lock): a job update
		 * is kept by the master and sent again */
		cJSON_AddBoolToObject(out, "unavailable", !x->s || x->lost);
		cJSON_AddBoolToObject(out, "retry", x->dbcall);
		log_warnx("store: request %u: %s", h->type, e.msg);
	}
	if (rc == 0) /* the server answered: no need to ping it for a while */
		x->next_ping = clock_ms() + IDLE_PING_MS;
	cJSON_AddBoolToObject(out, "ok", rc == 0);
	send_json(x, MSG_ST_REPLY, h->id, out);
}

int store_main(int fd, uint32_t gen, const struct config *c)
{
	/* the master's death ends it (a transaction cut short is rolled back by SQLite) */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0) {
		log_error("prctl(PR_SET_PDEATHSIG)");
		return 1;
	}
	if (prctl(PR_SET_NAME, STORE_PROC_NAME) < 0) /* told apart from the workers in ps */
		log_warn("prctl(PR_SET_NAME)");
	struct sctx x = { .fd = fd, .gen = gen, .cfg = c, .ops = store_backend(c->store_url) };
	if (store_is_pg_url(c->store_url))
		store_url_redact(c->store_url, x.where, sizeof(x.where));
	else
		snprintf(x.where, sizeof(x.where), "%s", c->store_path);
	struct buf b;
	buf_init(&b, WIRE_MAX_PAYLOAD + WIRE_HDR_LEN);
	for (;;) {
		try_open(&x);
		check_alive(&x, NULL);
		sweep(&x);
		/* wait for a message's first byte, then read it whole (a timeout inside one would
		 * lose the framing) */
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r = poll(&p, 1, REOPEN_MS);
		if (r < 0 && errno != EINTR)
			break;
		if (r <= 0)
			continue;
		struct wire_hdr h;
		if (wire_read_msg(fd, &b, &h, WIRE_MAX_PAYLOAD, -1) < 0)
			break; /* EOF: the master is gone or stopping */
		if (h.type == MSG_SHUTDOWN)
			break;
		serve_one(&x, &h, b.data + WIRE_HDR_LEN);
	}
	buf_free(&b);
	if (x.s)
		x.ops->close(x.s);
	return 0;
}
