/*
 * store_sqlite.c - the SQLite back-end of store.h: one file, WAL journal, synchronous=FULL (a
 * put is on disk when it returns), a busy timeout, a schema_version table with versioned
 * migrations, and prepared statements only (the SQL text is constant; values are bound).
 */
#include <errno.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store.h"

/* Migration i brings the schema from version i to i + 1; never edit one that has shipped. */
static const char *const migrations[] = {
	"CREATE TABLE submissions ("
	" seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	" token TEXT NOT NULL UNIQUE,"
	" owner TEXT NOT NULL,"
	" lang TEXT NOT NULL,"
	" status INTEGER NOT NULL CHECK (status BETWEEN 0 AND 3),"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" created_ms INTEGER NOT NULL,"
	" updated_ms INTEGER NOT NULL,"
	" http INTEGER NOT NULL DEFAULT 0,"
	" request TEXT NOT NULL,"
	" result TEXT);"
	"CREATE INDEX submissions_owner ON submissions (owner, seq);",
	"CREATE INDEX submissions_status ON submissions (status, seq);",
	"CREATE TABLE problems ("
	" id TEXT NOT NULL,"
	" version INTEGER NOT NULL,"
	" created_ms INTEGER NOT NULL,"
	" bytes INTEGER NOT NULL,"
	" manifest TEXT NOT NULL,"
	" PRIMARY KEY (id, version));",
};
#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

struct store {
	sqlite3 *db;
};

#define ERR(e, ...) snprintf((e)->msg, sizeof((e)->msg), __VA_ARGS__)

static int fail(struct store *s, struct store_error *e, const char *what)
{
	ERR(e, "sqlite: %s: %s", what, sqlite3_errmsg(s->db));
	return -1;
}

static int prep(struct store *s, const char *sql, sqlite3_stmt **st, struct store_error *e)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
		return fail(s, e, "prepare");
	return 0;
}

/* Runs a statement that returns no row; finalizes it. 0 or -1. */
static int run_done(struct store *s, sqlite3_stmt *st, struct store_error *e, const char *what)
{
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : fail(s, e, what);
}

static int schema_version(struct store *s, struct store_error *e)
{
	sqlite3_stmt *st;
	if (prep(s, "SELECT version FROM schema_version", &st, e) < 0)
		return -1;
	int v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	return v;
}

/* Applies the migrations past the file's version, each in its own transaction. */
static int migrate(struct store *s, struct store_error *e)
{
	if (sqlite3_exec(s->db, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER "
				"NOT NULL)", NULL, NULL, NULL) != SQLITE_OK)
		return fail(s, e, "schema_version");
	int v = schema_version(s, e);
	if (v < 0)
		return -1;
	if (v > NMIGRATIONS) {
		ERR(e, "the database's schema (version %d) is newer than this program's (%d)", v,
		    NMIGRATIONS);
		return -1;
	}
	for (; v < NMIGRATIONS; v++) {
		sqlite3_stmt *st;
		if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
			return fail(s, e, "begin");
		if (sqlite3_exec(s->db, migrations[v], NULL, NULL, NULL) != SQLITE_OK ||
		    prep(s, "DELETE FROM schema_version", &st, e) < 0 ||
		    run_done(s, st, e, "migrate") < 0 ||
		    prep(s, "INSERT INTO schema_version (version) VALUES (?)", &st, e) < 0 ||
		    sqlite3_bind_int(st, 1, v + 1) != SQLITE_OK ||
		    run_done(s, st, e, "migrate") < 0 ||
		    sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
			ERR(e, "sqlite: migration %d: %s", v + 1, sqlite3_errmsg(s->db));
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
	}
	return 0;
}

/* Creates the file's directory (one level) if it is missing. */
static void make_dir(const char *path)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return;
	*slash = '\0';
	if (mkdir(dir, 0750) < 0 && errno != EEXIST)
		return; /* sqlite3_open_v2 reports it */
}

static void sq_close(struct store *s)
{
	if (!s)
		return;
	sqlite3_close_v2(s->db);
	free(s);
}

static struct store *sq_open(const struct store_conf *c, struct store_error *e)
{
	struct store *s = calloc(1, sizeof(*s));
	if (!s) {
		ERR(e, "out of memory");
		return NULL;
	}
	make_dir(c->path);
	int fl = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
	if (sqlite3_open_v2(c->path, &s->db, fl, NULL) != SQLITE_OK) {
		ERR(e, "sqlite: cannot open %s: %s", c->path,
		    s->db ? sqlite3_errmsg(s->db) : "out of memory");
		sq_close(s);
		return NULL;
	}
	sqlite3_busy_timeout(s->db, c->busy_timeout_ms > 0 ? c->busy_timeout_ms : 5000);
	if (sqlite3_exec(s->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(s->db, "PRAGMA synchronous=FULL", NULL, NULL, NULL) != SQLITE_OK) {
		fail(s, e, c->path);
		sq_close(s);
		return NULL;
	}
	if (migrate(s, e) < 0) {
		sq_close(s);
		return NULL;
	}
	return s;
}

static int sq_put(struct store *s, const struct store_row *r, struct store_error *e)
{
	sqlite3_stmt *st;
	if (prep(s, "INSERT INTO submissions (token, owner, lang, status, attempts, created_ms, "
		    "updated_ms, request) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, r->token, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->owner, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->lang, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, r->status);
	sqlite3_bind_int(st, 5, r->attempts);
	sqlite3_bind_int64(st, 6, r->created_ms);
	sqlite3_bind_int64(st, 7, r->created_ms);
	sqlite3_bind_text(st, 8, r->request ? r->request : "", -1, SQLITE_STATIC);
	return run_done(s, st, e, "insert");
}

static char *col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? strdup((const char *)t) : NULL;
}

#define ROW_COLS "seq, token, owner, lang, status, attempts, created_ms, updated_ms, http"

/* Fills r from the columns of ROW_COLS (then request, result at 9 and 10 when full). */
static void row_read(sqlite3_stmt *st, struct store_row *r, int full)
{
	memset(r, 0, sizeof(*r));
	r->seq = sqlite3_column_int64(st, 0);
	snprintf(r->token, sizeof(r->token), "%s", (const char *)sqlite3_column_text(st, 1));
	snprintf(r->owner, sizeof(r->owner), "%s", (const char *)sqlite3_column_text(st, 2));
	snprintf(r->lang, sizeof(r->lang), "%s", (const char *)sqlite3_column_text(st, 3));
	r->status = (enum store_status)sqlite3_column_int(st, 4);
	r->attempts = sqlite3_column_int(st, 5);
	r->created_ms = sqlite3_column_int64(st, 6);
	r->updated_ms = sqlite3_column_int64(st, 7);
	r->http = sqlite3_column_int(st, 8);
	if (full) {
		r->request = col_dup(st, 9);
		r->result = col_dup(st, 10);
	}
}

static int sq_get(struct store *s, const char *token, const char *owner, struct store_row *out,
		  struct store_error *e)
{
	sqlite3_stmt *st;
	if (prep(s, "SELECT " ROW_COLS ", request, result FROM submissions WHERE token = ? AND "
		    "owner = ?", &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, token, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, owner, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st), found = 0;
	if (rc == SQLITE_ROW) {
		row_read(st, out, 1);
		found = 1;
	} else if (rc != SQLITE_DONE) {
		found = fail(s, e, "select");
	}
	sqlite3_finalize(st);
	return found;
}

/* Steps st, handing each row to fn; the count, or -1. */
static int each_row(struct store *s, sqlite3_stmt *st, int full, store_row_fn fn, void *arg,
		    struct store_error *e)
{
	int n = 0, rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_row r;
		row_read(st, &r, full);
		n++;
		int stop = fn(&r, arg);
		store_row_clear(&r);
		if (stop)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		n = fail(s, e, "select");
	sqlite3_finalize(st);
	return n;
}

static int sq_list(struct store *s, const struct store_filter *f, store_row_fn fn, void *arg,
		   struct store_error *e)
{
	sqlite3_stmt *st;
	if (prep(s, "SELECT " ROW_COLS " FROM submissions WHERE owner = ?1 AND (?2 IS NULL OR "
		    "lang = ?2) AND (?3 < 0 OR status = ?3) AND created_ms >= ?4 AND (?5 = 0 OR "
		    "seq < ?5) ORDER BY seq DESC LIMIT ?6", &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, f->owner ? f->owner : "", -1, SQLITE_STATIC);
	if (f->lang)
		sqlite3_bind_text(st, 2, f->lang, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, f->status);
	sqlite3_bind_int64(st, 4, f->since_ms);
	sqlite3_bind_int64(st, 5, f->before);
	sqlite3_bind_int(st, 6, f->limit);
	return each_row(s, st, 0, fn, arg, e);
}

/* Runs an UPDATE or DELETE: 1 when it changed a row, 0 when none, -1. */
static int run_change(struct store *s, sqlite3_stmt *st, struct store_error *e, const char *w)
{
	if (run_done(s, st, e, w) < 0)
		return -1;
	return sqlite3_changes(s->db) > 0;
}

static int sq_start(struct store *s, const char *token, int attempt, int64_t now_ms,
		    struct store_error *e)
{
	sqlite3_stmt *st;
	if (prep(s, "UPDATE submissions SET status = 1, attempts = MAX(attempts, ?), "
		    "updated_ms = ? WHERE token = ? AND status < 2", &st, e) < 0)
		return -1;
	sqlite3_bind_int(st, 1, attempt);
	sqlite3_bind_int64(st, 2, now_ms);
	sqlite3_bind_text(st, 3, token, -1, SQLITE_STATIC);
	return run_change(s, st, e, "start");
}

static int sq_finish(struct store *s, const char *token, enum store_status stat, int http,
		     const char *result, int64_t now_ms, struct store_error *e)
{
	sqlite3_stmt *st;
	if (prep(s, "UPDATE submissions SET status = ?, http = ?, result = ?, updated_ms = ? "
		    "WHERE token = ? AND status < 2", &st, e) < 0)
		return -1;
	sqlite3_bind_int(st, 1, stat);
	sqlite3_bind_int(st, 2, http);
	sqlite3_bind_text(st, 3, result, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now_ms);
	sqlite3_bind_text(st, 5, token, -1, SQLITE_STATIC);
	return run_change(s, st, e, "finish");
}

static int sq_del(struct store *s, const char *token, const char *owner, struct store_error *e)
{
	sqlite3_stmt *st;
	if (prep(s, "DELETE FROM submissions WHERE token = ? AND owner = ?", &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, token, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, owner, -1, SQLITE_STATIC);
	return run_change(s, st, e, "delete");
}

static int sq_sweep(struct store *s, int64_t cutoff_ms, int max_rows, struct store_error *e)
{
	sqlite3_stmt *st;
	int n = 0;
	if (cutoff_ms > 0) {
		if (prep(s, "DELETE FROM submissions WHERE status >= 2 AND updated_ms < ?", &st,
			 e) < 0)
			return -1;
		sqlite3_bind_int64(st, 1, cutoff_ms);
		if (run_done(s, st, e, "sweep") < 0)
			return -1;
		n += sqlite3_changes(s->db);
	}
	if (max_rows > 0) {
		if (prep(s, "DELETE FROM submissions WHERE seq IN (SELECT seq FROM submissions "
			    "WHERE status >= 2 ORDER BY seq DESC LIMIT -1 OFFSET ?)", &st, e) < 0)
			return -1;
		sqlite3_bind_int(st, 1, max_rows);
		if (run_done(s, st, e, "sweep") < 0)
			return -1;
		n += sqlite3_changes(s->db);
	}
	return n;
}

static int sq_pending(struct store *s, int64_t after, int64_t upto, int limit, store_row_fn fn,
		      void *arg, struct store_error *e)
{
	sqlite3_stmt *st;
	if (prep(s, "SELECT " ROW_COLS ", request, result FROM submissions WHERE status < 2 AND "
		    "seq > ? AND seq <= ? ORDER BY seq LIMIT ?", &st, e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int64(st, 2, upto);
	sqlite3_bind_int(st, 3, limit);
	return each_row(s, st, 1, fn, arg, e);
}

static int64_t sq_last_seq(struct store *s, struct store_error *e)
{
	sqlite3_stmt *st;
	if (prep(s, "SELECT COALESCE(MAX(seq), 0) FROM submissions", &st, e) < 0)
		return -1;
	int64_t v = -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else
		fail(s, e, "select");
	sqlite3_finalize(st);
	return v;
}

static int sq_prob_put(struct store *s, const struct store_problem *p, struct store_error *e)
{
	sqlite3_stmt *st;
	if (prep(s, "INSERT INTO problems (id, version, created_ms, bytes, manifest) "
		    "VALUES (?, ?, ?, ?, ?)", &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, p->id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, p->version);
	sqlite3_bind_int64(st, 3, p->created_ms);
	sqlite3_bind_int64(st, 4, p->bytes);
	sqlite3_bind_text(st, 5, p->manifest ? p->manifest : "{}", -1, SQLITE_STATIC);
	return run_done(s, st, e, "insert problem");
}

static int sq_prob_get(struct store *s, const char *id, int version, struct store_problem *out,
		       struct store_error *e)
{
	sqlite3_stmt *st;
	if (prep(s, "SELECT id, version, created_ms, bytes, manifest FROM problems WHERE id = ? "
		    "AND (? = 0 OR version = ?) ORDER BY version DESC LIMIT 1", &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, version);
	sqlite3_bind_int(st, 3, version);
	int rc = sqlite3_step(st), found = rc == SQLITE_ROW;
	memset(out, 0, sizeof(*out));
	if (found) {
		snprintf(out->id, sizeof(out->id), "%s", (const char *)sqlite3_column_text(st, 0));
		out->version = sqlite3_column_int(st, 1);
		out->created_ms = sqlite3_column_int64(st, 2);
		out->bytes = sqlite3_column_int64(st, 3);
		out->manifest = col_dup(st, 4);
	}
	sqlite3_finalize(st);
	if (!found && rc != SQLITE_DONE)
		return fail(s, e, "select problem");
	return found;
}

static int sq_prob_del(struct store *s, const char *id, struct store_error *e)
{
	sqlite3_stmt *st;
	if (prep(s, "DELETE FROM problems WHERE id = ?", &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (run_done(s, st, e, "delete problem") < 0)
		return -1;
	return sqlite3_changes(s->db);
}

/* One integer from a one-row query with an optional text parameter, or -1. */
static int64_t one_int(struct store *s, const char *sql, const char *text, struct store_error *e)
{
	sqlite3_stmt *st;
	if (prep(s, sql, &st, e) < 0)
		return -1;
	if (text)
		sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	int64_t v = -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else
		fail(s, e, "select");
	sqlite3_finalize(st);
	return v;
}

static int64_t sq_prob_bytes(struct store *s, struct store_error *e)
{
	return one_int(s, "SELECT COALESCE(SUM(bytes), 0) FROM problems", NULL, e);
}

static int sq_prob_refs(struct store *s, const char *text, struct store_error *e)
{
	return (int)one_int(s, "SELECT COUNT(*) FROM problems WHERE instr(manifest, ?) > 0", text,
			    e);
}

const struct store_ops store_sqlite_ops = {
	.name = "sqlite", .open = sq_open, .close = sq_close, .put = sq_put, .get = sq_get,
	.list = sq_list, .start = sq_start, .finish = sq_finish, .del = sq_del,
	.sweep = sq_sweep, .pending = sq_pending, .last_seq = sq_last_seq,
	.prob_put = sq_prob_put, .prob_get = sq_prob_get, .prob_del = sq_prob_del,
	.prob_bytes = sq_prob_bytes, .prob_refs = sq_prob_refs,
};
