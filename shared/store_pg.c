/*
 * store_pg.c - the PostgreSQL back-end of store.h (libpq): one synchronous connection (the store
 * process is its own process), connect and statement timeouts on every call, PQreset when the
 * connection was lost, the schema migrated at open from the built-in versioned files under one
 * advisory lock, and parameterised statements only (PQexecParams; the SQL text is constant).
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store.h"
#include "store_migrations.h"

#define MIGRATION_LOCK 0x45786563 /* pg_advisory_xact_lock key: "Exec" */

struct store {
	PGconn *c;
	int in_tx; /* inside migrate()'s transaction: a lost connection is not reset under it */
};

#define ERR(e, ...) snprintf((e)->msg, sizeof((e)->msg), __VA_ARGS__)

/* e = "postgresql: what: libpq's message" (its first line, no trailing newline). */
static int fail(struct store_error *e, const char *what, const char *msg)
{
	snprintf(e->msg, sizeof(e->msg), "postgresql: %s: %s", what,
		 msg && *msg ? msg : "unknown error");
	char *nl = strchr(e->msg, '\n');
	if (nl)
		*nl = '\0';
	return -1;
}

/* A usable connection: reconnects (PQreset, same parameters and timeouts) when it was lost. */
static int connected(struct store *s, struct store_error *e)
{
	if (PQstatus(s->c) == CONNECTION_OK)
		return 0;
	if (s->in_tx)
		return fail(e, "connection lost in a transaction", PQerrorMessage(s->c));
	PQreset(s->c);
	if (PQstatus(s->c) == CONNECTION_OK) {
		log_info("store: postgresql connection re-established");
		return 0;
	}
	return fail(e, "connection lost", PQerrorMessage(s->c));
}

/* Runs sql with n text parameters (NULL: SQL NULL; n < 0: constant SQL of several statements,
 * no parameters); the result when its status is want. */
static PGresult *run(struct store *s, const char *sql, int n, const char *const *v,
		     ExecStatusType want, struct store_error *e, const char *what)
{
	if (connected(s, e) < 0)
		return NULL;
	/* a migration file holds several statements: only PQexec takes those (no parameters) */
	PGresult *r = n < 0 ? PQexec(s->c, sql)
			    : PQexecParams(s->c, sql, n, NULL, v, NULL, NULL, 0);
	if (r && PQresultStatus(r) == want)
		return r;
	fail(e, what, r ? PQresultErrorMessage(r) : PQerrorMessage(s->c));
	PQclear(r);
	return NULL;
}

/* A command's row count (UPDATE/DELETE), or -1. */
static int run_count(struct store *s, const char *sql, int n, const char *const *v,
		     struct store_error *e, const char *what)
{
	PGresult *r = run(s, sql, n, v, PGRES_COMMAND_OK, e, what);
	if (!r)
		return -1;
	int k = atoi(PQcmdTuples(r));
	PQclear(r);
	return k;
}

/* Applies the built-in migrations the database lacks, all in one transaction under an advisory
 * lock, so that two services starting at once apply each exactly once. */
static int migrate(struct store *s, struct store_error *e)
{
	PGresult *r = run(s, "BEGIN", 0, NULL, PGRES_COMMAND_OK, e, "begin");
	if (!r)
		return -1;
	PQclear(r);
	s->in_tx = 1;
	char key[16], ver[16];
	snprintf(key, sizeof(key), "%d", MIGRATION_LOCK);
	const char *v[2] = { key, NULL };
	int top = 0, applied = 0, ok = 0;
	if (!(r = run(s, "SELECT pg_advisory_xact_lock($1::bigint)", 1, v, PGRES_TUPLES_OK, e,
		      "migration lock")))
		goto out;
	PQclear(r);
	if (!(r = run(s, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY "
		      "KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())", 0,
		      NULL, PGRES_COMMAND_OK, e, "schema_migrations")))
		goto out;
	PQclear(r);
	if (!(r = run(s, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", 0, NULL,
		      PGRES_TUPLES_OK, e, "schema_migrations")))
		goto out;
	top = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	if (top > store_pg_migrations_count) {
		ERR(e, "postgresql: the database's schema (version %d) is newer than this "
		       "program's (%d)", top, store_pg_migrations_count);
		goto out;
	}
	for (int i = top; i < store_pg_migrations_count; i++) {
		const struct store_migration *m = &store_pg_migrations[i];
		char what[96];
		snprintf(what, sizeof(what), "migration %04d_%s", m->version, m->name);
		snprintf(ver, sizeof(ver), "%d", m->version);
		const char *mv[2] = { ver, m->name };
		if (!(r = run(s, m->sql, -1, NULL, PGRES_COMMAND_OK, e, what)))
			goto out;
		PQclear(r);
		if (!(r = run(s, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", 2,
			      mv, PGRES_COMMAND_OK, e, what)))
			goto out;
		PQclear(r);
		log_info("store: postgresql %s applied", what);
		applied++;
	}
	if (!(r = run(s, "COMMIT", 0, NULL, PGRES_COMMAND_OK, e, "commit")))
		goto out;
	PQclear(r);
	ok = 1;
	log_info("store: postgresql schema at version %d (%d migrations applied)",
		 store_pg_migrations_count, applied);
out:
	s->in_tx = 0;
	if (!ok && PQstatus(s->c) == CONNECTION_OK)
		PQclear(PQexec(s->c, "ROLLBACK"));
	return ok ? 0 : -1;
}

static void pg_close(struct store *s)
{
	if (!s)
		return;
	PQfinish(s->c);
	free(s);
}

static struct store *pg_open(const struct store_conf *c, struct store_error *e)
{
	struct store *s = calloc(1, sizeof(*s));
	if (!s) {
		ERR(e, "out of memory");
		return NULL;
	}
	int st_ms = c->statement_timeout_ms > 0 ? c->statement_timeout_ms : 10000;
	char ct[16], opts[96], tcp[16];
	snprintf(ct, sizeof(ct), "%d", c->connect_timeout_s > 0 ? c->connect_timeout_s : 5);
	snprintf(opts, sizeof(opts), "-c statement_timeout=%d -c lock_timeout=%d", st_ms, st_ms);
	/* a server that vanished without closing the socket: the kernel gives up after this */
	snprintf(tcp, sizeof(tcp), "%d", st_ms + 5000);
	/* the URL first (expanded), then what this back-end insists on */
	const char *k[] = { "dbname", "connect_timeout", "options", "tcp_user_timeout",
			    "keepalives_idle", "keepalives_interval", "keepalives_count",
			    "application_name", NULL };
	const char *v[] = { c->url, ct, opts, tcp, "10", "5", "3", "executioner", NULL };
	s->c = PQconnectdbParams(k, v, 1);
	if (!s->c || PQstatus(s->c) != CONNECTION_OK) {
		fail(e, "cannot connect", s->c ? PQerrorMessage(s->c) : "out of memory");
		pg_close(s);
		return NULL;
	}
	if (migrate(s, e) < 0) {
		pg_close(s);
		return NULL;
	}
	return s;
}

#define I64(buf, x) (snprintf(buf, sizeof(buf), "%lld", (long long)(x)), buf)

static int pg_put(struct store *s, const struct store_row *r, struct store_error *e)
{
	char st[16], at[16], t[24];
	const char *v[] = { r->token, r->owner, r->lang, I64(st, r->status), I64(at, r->attempts),
			    I64(t, r->created_ms), r->request ? r->request : "" };
	return run_count(s, "INSERT INTO submissions (token, owner, lang, status, attempts, "
			 "created_ms, updated_ms, request) VALUES ($1, $2, $3, $4, $5, $6, $6, $7)",
			 7, v, e, "insert") < 0 ? -1 : 0;
}

#define ROW_COLS "seq, token, owner, lang, status, attempts, created_ms, updated_ms, http"

static char *col_dup(const PGresult *r, int i, int j)
{
	return PQgetisnull(r, i, j) ? NULL : strdup(PQgetvalue(r, i, j));
}

/* Fills out from row i of ROW_COLS (then request, result at 9 and 10 when full). */
static void row_read(const PGresult *r, int i, struct store_row *out, int full)
{
	memset(out, 0, sizeof(*out));
	out->seq = strtoll(PQgetvalue(r, i, 0), NULL, 10);
	snprintf(out->token, sizeof(out->token), "%s", PQgetvalue(r, i, 1));
	snprintf(out->owner, sizeof(out->owner), "%s", PQgetvalue(r, i, 2));
	snprintf(out->lang, sizeof(out->lang), "%s", PQgetvalue(r, i, 3));
	out->status = (enum store_status)atoi(PQgetvalue(r, i, 4));
	out->attempts = atoi(PQgetvalue(r, i, 5));
	out->created_ms = strtoll(PQgetvalue(r, i, 6), NULL, 10);
	out->updated_ms = strtoll(PQgetvalue(r, i, 7), NULL, 10);
	out->http = atoi(PQgetvalue(r, i, 8));
	if (full) {
		out->request = col_dup(r, i, 9);
		out->result = col_dup(r, i, 10);
	}
}

static int pg_get(struct store *s, const char *token, const char *owner, struct store_row *out,
		  struct store_error *e)
{
	const char *v[] = { token, owner };
	PGresult *r = run(s, "SELECT " ROW_COLS ", request, result FROM submissions WHERE "
			  "token = $1 AND owner = $2", 2, v, PGRES_TUPLES_OK, e, "select");
	if (!r)
		return -1;
	int found = PQntuples(r) > 0;
	if (found)
		row_read(r, 0, out, 1);
	PQclear(r);
	return found;
}

/* Hands each row of r to fn (stopping when it asks); the count. Clears r. */
static int each_row(PGresult *r, int full, store_row_fn fn, void *arg)
{
	int n = 0;
	for (int i = 0; i < PQntuples(r); i++) {
		struct store_row row;
		row_read(r, i, &row, full);
		n++;
		int stop = fn(&row, arg);
		store_row_clear(&row);
		if (stop)
			break;
	}
	PQclear(r);
	return n;
}

static int pg_list(struct store *s, const struct store_filter *f, store_row_fn fn, void *arg,
		   struct store_error *e)
{
	char st[16], since[24], before[24], lim[16];
	const char *v[] = { f->owner ? f->owner : "", f->lang, I64(st, f->status),
			    I64(since, f->since_ms), I64(before, f->before), I64(lim, f->limit) };
	PGresult *r = run(s, "SELECT " ROW_COLS " FROM submissions WHERE owner = $1 AND "
			  "($2::text IS NULL OR lang = $2) AND ($3::int < 0 OR status = $3) AND "
			  "created_ms >= $4 AND ($5::bigint = 0 OR seq < $5) ORDER BY seq DESC "
			  "LIMIT $6", 6, v, PGRES_TUPLES_OK, e, "select");
	return r ? each_row(r, 0, fn, arg) : -1;
}

static int pg_start(struct store *s, const char *token, int attempt, int64_t now_ms,
		    struct store_error *e)
{
	char at[16], t[24];
	const char *v[] = { I64(at, attempt), I64(t, now_ms), token };
	int n = run_count(s, "UPDATE submissions SET status = 1, attempts = GREATEST(attempts, "
			  "$1::int), updated_ms = $2 WHERE token = $3 AND status < 2", 3, v, e,
			  "start");
	return n < 0 ? -1 : n > 0;
}

static int pg_finish(struct store *s, const char *token, enum store_status stat, int http,
		     const char *result, int64_t now_ms, struct store_error *e)
{
	char st[16], h[16], t[24];
	const char *v[] = { I64(st, stat), I64(h, http), result, I64(t, now_ms), token };
	int n = run_count(s, "UPDATE submissions SET status = $1, http = $2, result = $3, "
			  "updated_ms = $4 WHERE token = $5 AND status < 2", 5, v, e, "finish");
	return n < 0 ? -1 : n > 0;
}

static int pg_del(struct store *s, const char *token, const char *owner, struct store_error *e)
{
	const char *v[] = { token, owner };
	int n = run_count(s, "DELETE FROM submissions WHERE token = $1 AND owner = $2", 2, v, e,
			  "delete");
	return n < 0 ? -1 : n > 0;
}

static int pg_sweep(struct store *s, int64_t cutoff_ms, int max_rows, struct store_error *e)
{
	char b[24];
	const char *v[] = { b };
	int n = 0, k;
	if (cutoff_ms > 0) {
		I64(b, cutoff_ms);
		if ((k = run_count(s, "DELETE FROM submissions WHERE status >= 2 AND updated_ms < "
				   "$1", 1, v, e, "sweep")) < 0)
			return -1;
		n += k;
	}
	if (max_rows > 0) {
		I64(b, max_rows);
		if ((k = run_count(s, "DELETE FROM submissions WHERE seq IN (SELECT seq FROM "
				   "submissions WHERE status >= 2 ORDER BY seq DESC OFFSET $1)", 1,
				   v, e, "sweep")) < 0)
			return -1;
		n += k;
	}
	return n;
}

static int pg_pending(struct store *s, int64_t after, int64_t upto, int limit, store_row_fn fn,
		      void *arg, struct store_error *e)
{
	char a[24], u[24], l[16];
	const char *v[] = { I64(a, after), I64(u, upto), I64(l, limit) };
	PGresult *r = run(s, "SELECT " ROW_COLS ", request, result FROM submissions WHERE "
			  "status < 2 AND seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3", 3, v,
			  PGRES_TUPLES_OK, e, "select");
	return r ? each_row(r, 1, fn, arg) : -1;
}

static int64_t pg_last_seq(struct store *s, struct store_error *e)
{
	PGresult *r = run(s, "SELECT COALESCE(MAX(seq), 0) FROM submissions", 0, NULL,
			  PGRES_TUPLES_OK, e, "select");
	if (!r)
		return -1;
	int64_t v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return v;
}

static int pg_prob_put(struct store *s, const struct store_problem *p, struct store_error *e)
{
	char ver[16], t[24], b[24];
	const char *v[] = { p->id, I64(ver, p->version), I64(t, p->created_ms), I64(b, p->bytes),
			    p->manifest ? p->manifest : "{}" };
	return run_count(s, "INSERT INTO problems (id, version, created_ms, bytes, manifest) "
			 "VALUES ($1, $2, $3, $4, $5)", 5, v, e, "insert problem") < 0 ? -1 : 0;
}

static int pg_prob_get(struct store *s, const char *id, int version, struct store_problem *out,
		       struct store_error *e)
{
	char ver[16];
	const char *v[] = { id, I64(ver, version) };
	PGresult *r = run(s, "SELECT id, version, created_ms, bytes, manifest FROM problems "
			  "WHERE id = $1 AND ($2::int = 0 OR version = $2) ORDER BY version DESC "
			  "LIMIT 1", 2, v, PGRES_TUPLES_OK, e, "select problem");
	memset(out, 0, sizeof(*out));
	if (!r)
		return -1;
	int found = PQntuples(r) > 0;
	if (found) {
		snprintf(out->id, sizeof(out->id), "%s", PQgetvalue(r, 0, 0));
		out->version = atoi(PQgetvalue(r, 0, 1));
		out->created_ms = strtoll(PQgetvalue(r, 0, 2), NULL, 10);
		out->bytes = strtoll(PQgetvalue(r, 0, 3), NULL, 10);
		out->manifest = col_dup(r, 0, 4);
	}
	PQclear(r);
	return found;
}

static int pg_prob_del(struct store *s, const char *id, struct store_error *e)
{
	const char *v[] = { id };
	return run_count(s, "DELETE FROM problems WHERE id = $1", 1, v, e, "delete problem");
}

/* One integer from a one-row query with n (0 or 1) text parameters, or -1. */
static int64_t one_int(struct store *s, const char *sql, int n, const char *text,
		       struct store_error *e)
{
	const char *v[] = { text };
	PGresult *r = run(s, sql, n, v, PGRES_TUPLES_OK, e, "select problem");
	if (!r)
		return -1;
	int64_t k = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return k;
}

static int64_t pg_prob_bytes(struct store *s, struct store_error *e)
{
	return one_int(s, "SELECT COALESCE(SUM(bytes), 0) FROM problems", 0, NULL, e);
}

static int pg_prob_refs(struct store *s, const char *text, struct store_error *e)
{
	return (int)one_int(s, "SELECT COUNT(*) FROM problems WHERE strpos(manifest, $1) > 0", 1,
			    text, e);
}

static int pg_ping(struct store *s, struct store_error *e)
{
	PGresult *r = run(s, "SELECT 1", 0, NULL, PGRES_TUPLES_OK, e, "ping");
	if (!r)
		return -1;
	PQclear(r);
	return 0;
}

const struct store_ops store_pg_ops = {
	.name = "postgresql", .open = pg_open, .close = pg_close, .put = pg_put, .get = pg_get,
	.list = pg_list, .start = pg_start, .finish = pg_finish, .del = pg_del,
	.sweep = pg_sweep, .pending = pg_pending, .last_seq = pg_last_seq,
	.prob_put = pg_prob_put, .prob_get = pg_prob_get, .prob_del = pg_prob_del,
	.prob_bytes = pg_prob_bytes, .prob_refs = pg_prob_refs, .ping = pg_ping,
};
