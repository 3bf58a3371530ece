/*
 * test_store.c - unit tests of the SQLite store back-end (shared/store_sqlite.c) against a file
 * in a temporary directory: put/get, owner isolation, list filters and the cursor, start/finish,
 * delete, the pending rows a restart runs again, retention by age and count, and migration.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sha256.h"
#include "store.h"

#define TEST(name) static void name(void **state __attribute__((unused)))

static char dir[64], path[128];
static const struct store_ops *ops = &store_sqlite_ops;

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_store.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/sub/s.db", dir); /* the directory is created */
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct store *open_store(void)
{
	struct store_conf c = { .path = path, .busy_timeout_ms = 1000 };
	struct store_error e;
	struct store *s = ops->open(&c, &e);
	if (!s)
		fail_msg("open: %s", e.msg);
	return s;
}

static void put(struct store *s, int i, const char *owner, const char *lang, int64_t t)
{
	struct store_row r = { .status = ST_QUEUED, .created_ms = t };
	snprintf(r.token, sizeof(r.token), "%032x", i);
	snprintf(r.owner, sizeof(r.owner), "%s", owner);
	snprintf(r.lang, sizeof(r.lang), "%s", lang);
	r.request = "{\"language\":\"python\",\"source_code\":\"print(1)\"}";
	struct store_error e;
	assert_int_equal(ops->put(s, &r, &e), 0);
}

static char *tok(int i)
{
	static char t[2][STORE_TOKEN_LEN + 1];
	static int k;
	k ^= 1;
	snprintf(t[k], sizeof(t[k]), "%032x", i);
	return t[k];
}

TEST(put_get_owner_and_lifecycle)
{
	struct store *s = open_store();
	struct store_error e;
	struct store_row r;
	put(s, 1, "alice", "python", 1000);
	assert_int_equal(ops->get(s, tok(1), "alice", &r, &e), 1);
	assert_int_equal(r.status, ST_QUEUED);
	assert_string_equal(r.lang, "python");
	assert_non_null(strstr(r.request, "print(1)"));
	assert_null(r.result);
	store_row_clear(&r);
	assert_int_equal(ops->get(s, tok(1), "bob", &r, &e), 0);  /* another owner's */
	assert_int_equal(ops->get(s, tok(2), "alice", &r, &e), 0); /* unknown */
	assert_int_equal(ops->start(s, tok(1), 1, 2000, &e), 1);
	assert_int_equal(ops->start(s, tok(1), 1, 2000, &e), 1); /* told twice: counted once */
	assert_int_equal(ops->finish(s, tok(1), ST_DONE, 200, "{\"status\":\"ok\"}", 3000, &e), 1);
	assert_int_equal(ops->finish(s, tok(1), ST_FAILED, 500, "{}", 4000, &e), 0); /* once */
	assert_int_equal(ops->start(s, tok(1), 1, 5000, &e), 0); /* finished: never runs again */
	assert_int_equal(ops->get(s, tok(1), "alice", &r, &e), 1);
	assert_int_equal(r.status, ST_DONE);
	assert_int_equal(r.attempts, 1);
	assert_int_equal(r.http, 200);
	assert_int_equal(r.updated_ms, 3000);
	assert_string_equal(r.result, "{\"status\":\"ok\"}");
	store_row_clear(&r);
	put(s, 2, "alice", "c", 1000);
	struct store_row dup = { .status = ST_QUEUED, .request = "{}" };
	snprintf(dup.token, sizeof(dup.token), "%s", tok(2));
	assert_int_equal(ops->put(s, &dup, &e), -1); /* a token is unique */
	ops->close(s);
}

struct collect {
	int n;
	int64_t seq[16];
	char lang[16][32];
};

static int collect(const struct store_row *r, void *arg)
{
	struct collect *c = arg;
	c->seq[c->n] = r->seq;
	snprintf(c->lang[c->n], sizeof(c->lang[0]), "%s", r->lang);
	c->n++;
	return 0;
}

TEST(list_filters_and_cursor)
{
	struct store *s = open_store();
	struct store_error e;
	for (int i = 1; i <= 7; i++)
		put(s, i, i == 7 ? "bob" : "alice", i % 2 ? "python" : "c", 1000 * i);
	struct collect c = { 0 };
	struct store_filter f = { .owner = "alice", .status = -1, .limit = 4 };
	assert_int_equal(ops->list(s, &f, collect, &c, &e), 4);
	assert_true(c.seq[0] > c.seq[1] && c.seq[2] > c.seq[3]); /* newest first */
	f.before = c.seq[3];
	struct collect c2 = { 0 };
	assert_int_equal(ops->list(s, &f, collect, &c2, &e), 2); /* the rest: 6 of alice's */
	assert_true(c2.seq[0] < c.seq[3]);
	struct collect c3 = { 0 };
	f = (struct store_filter){ .owner = "alice", .lang = "c", .status = -1, .limit = 10 };
	assert_int_equal(ops->list(s, &f, collect, &c3, &e), 3);
	assert_string_equal(c3.lang[0], "c");
	f = (struct store_filter){ .owner = "alice", .status = -1, .since_ms = 5000, .limit = 10 };
	assert_int_equal(ops->list(s, &f, collect, &(struct collect){ 0 },
				   &e), 2);
	assert_int_equal(ops->start(s, tok(2), 1, 9000, &e), 1);
	f = (struct store_filter){ .owner = "alice", .status = ST_RUNNING, .limit = 10 };
	assert_int_equal(ops->list(s, &f, collect, &(struct collect){ 0 }, &e), 1);
	ops->close(s);
}

TEST(delete_only_own)
{
	struct store *s = open_store();
	struct store_error e;
	struct store_row r;
	put(s, 1, "alice", "python", 1000);
	assert_int_equal(ops->del(s, tok(1), "bob", &e), 0);
	assert_int_equal(ops->del(s, tok(1), "alice", &e), 1);
	assert_int_equal(ops->del(s, tok(1), "alice", &e), 0);
	assert_int_equal(ops->get(s, tok(1), "alice", &r, &e), 0);
	ops->close(s);
}

TEST(pending_rows_and_bound)
{
	struct store *s = open_store();
	struct store_error e;
	for (int i = 1; i <= 5; i++)
		put(s, i, "", "python", 1000);
	assert_int_equal(ops->start(s, tok(2), 1, 2000, &e), 1); /* running when the service died */
	assert_int_equal(ops->start(s, tok(2), 2, 3000, &e), 1); /* run again after the restart */
	struct store_row r;
	assert_int_equal(ops->get(s, tok(2), "", &r, &e), 1);
	assert_int_equal(r.attempts, 2);
	store_row_clear(&r);
	assert_int_equal(ops->start(s, tok(3), 1, 2000, &e), 1);
	assert_int_equal(ops->finish(s, tok(3), ST_DONE, 200, "{}", 2000, &e), 1);
	int64_t upto = ops->last_seq(s, &e);
	put(s, 6, "", "python", 1000); /* submitted after the restart began: not pending work */
	struct collect c = { 0 };
	assert_int_equal(ops->pending(s, 0, upto, 2, collect, &c, &e), 2);
	struct collect c2 = { 0 };
	assert_int_equal(ops->pending(s, c.seq[1], upto, 10, collect, &c2, &e), 2);
	assert_true(c2.seq[0] > c.seq[1]);
	assert_true(c2.seq[1] <= upto);
	ops->close(s);
}

TEST(retention_by_age_and_count)
{
	struct store *s = open_store();
	struct store_error e;
	for (int i = 1; i <= 6; i++) {
		put(s, i, "", "python", 1000);
		if (i <= 5) {
			assert_int_equal(ops->start(s, tok(i), 1, 1000 * i, &e), 1);
			ops->finish(s, tok(i), ST_DONE, 200, "{}", 1000 * i, &e);
		}
	}
	assert_int_equal(ops->sweep(s, 2500, 0, &e), 2); /* finished before 2.5 s: 1 and 2 */
	assert_int_equal(ops->sweep(s, 0, 2, &e), 1);    /* keep the newest 2 finished: drop 3 */
	struct collect c = { 0 };
	struct store_filter f = { .owner = "", .status = -1, .limit = 10 };
	assert_int_equal(ops->list(s, &f, collect, &c, &e), 3); /* 4, 5 and the queued 6 */
	ops->close(s);
}

TEST(migration_from_version_1)
{
	sqlite3 *db;
	char cmd[200];
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/sub", dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	/* a file as version 1 left it: the table, no status index */
	assert_int_equal(sqlite3_exec(db,
		"CREATE TABLE schema_version (version INTEGER NOT NULL);"
		"INSERT INTO schema_version VALUES (1);"
		"CREATE TABLE submissions (seq INTEGER PRIMARY KEY AUTOINCREMENT, token TEXT NOT "
		"NULL UNIQUE, owner TEXT NOT NULL, lang TEXT NOT NULL, status INTEGER NOT NULL, "
		"attempts INTEGER NOT NULL DEFAULT 0, created_ms INTEGER NOT NULL, updated_ms "
		"INTEGER NOT NULL, http INTEGER NOT NULL DEFAULT 0, request TEXT NOT NULL, result "
		"TEXT);", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	struct store *s = open_store();
	ops->close(s);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT (SELECT version FROM schema_version), "
		"(SELECT count(*) FROM sqlite_master WHERE name = 'submissions_status'), "
		"(SELECT count(*) FROM sqlite_master WHERE name = 'problems')", -1, &st,
		NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 3);
	assert_int_equal(sqlite3_column_int(st, 1), 1);
	assert_int_equal(sqlite3_column_int(st, 2), 1);
	sqlite3_finalize(st);
	/* a file from a newer program is refused, not downgraded */
	assert_int_equal(sqlite3_exec(db, "UPDATE schema_version SET version = 99", NULL, NULL,
				      NULL), SQLITE_OK);
	sqlite3_close(db);
	struct store_conf c = { .path = path };
	struct store_error e;
	assert_null(ops->open(&c, &e));
	assert_non_null(strstr(e.msg, "newer"));
}

TEST(tokens_statuses_and_hash)
{
	assert_true(store_token_valid("0123456789abcdef0123456789abcdef"));
	assert_false(store_token_valid("0123456789ABCDEF0123456789abcdef"));
	assert_false(store_token_valid("0123456789abcdef0123456789abcde"));
	assert_false(store_token_valid(""));
	assert_int_equal(store_status_parse("running"), ST_RUNNING);
	assert_int_equal(store_status_parse("nope"), -1);
	assert_string_equal(store_status_name(ST_FAILED), "failed");
	char h[65];
	sha256_hex("abc", 3, h);
	assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha256_hex("", 0, h);
	assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	char m[120];
	memset(m, 'a', sizeof(m)); /* two blocks of padding */
	sha256_hex(m, 56, h);
	assert_string_equal(h, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
}

TEST(problems_versions_bytes_refs)
{
	struct store *s = open_store();
	struct store_error e;
	struct store_problem p = { .version = 1, .created_ms = 5, .bytes = 100 }, out;
	snprintf(p.id, sizeof(p.id), "aplusb");
	p.manifest = "{\"tests\":[{\"in\":\"abc\"}]}";
	assert_int_equal(ops->prob_put(s, &p, &e), 0);
	assert_int_equal(ops->prob_put(s, &p, &e), -1); /* the same version twice */
	p.version = 2;
	p.bytes = 50;
	p.manifest = "{\"tests\":[{\"in\":\"def\"}]}";
	assert_int_equal(ops->prob_put(s, &p, &e), 0);
	assert_int_equal(ops->prob_get(s, "aplusb", 0, &out, &e), 1);
	assert_int_equal(out.version, 2);
	assert_string_equal(out.manifest, p.manifest);
	free(out.manifest);
	assert_int_equal(ops->prob_get(s, "aplusb", 1, &out, &e), 1);
	assert_int_equal(out.bytes, 100);
	free(out.manifest);
	assert_int_equal(ops->prob_get(s, "aplusb", 3, &out, &e), 0);
	assert_int_equal(ops->prob_get(s, "other", 0, &out, &e), 0);
	assert_int_equal(ops->prob_bytes(s, &e), 150);
	assert_int_equal(ops->prob_refs(s, "abc", &e), 1);
	assert_int_equal(ops->prob_refs(s, "xyz", &e), 0);
	assert_int_equal(ops->prob_del(s, "aplusb", &e), 2);
	assert_int_equal(ops->prob_del(s, "aplusb", &e), 0);
	assert_int_equal(ops->prob_bytes(s, &e), 0);
	ops->close(s);
}

/* The back-end a store.url selects, and that URL as logged: never its password. */
TEST(backend_choice_and_url_redaction)
{
	assert_ptr_equal(store_backend(""), &store_sqlite_ops);
	assert_ptr_equal(store_backend("postgresql://h/db"), &store_pg_ops);
	assert_ptr_equal(store_backend("postgres://h/db"), &store_pg_ops);
	assert_ptr_equal(store_backend("mysql://h/db"), &store_sqlite_ops);
	static const char *const cases[][2] = {
		{ "postgresql://u:secret@h:5432/db", "postgresql://u:***@h:5432/db" },
		{ "postgresql://u@h/db", "postgresql://u@h/db" },
		{ "postgresql://h/db?user=u&password=secret&sslmode=require",
		  "postgresql://h/db?user=u&password=***&sslmode=require" },
		{ "postgres://u:p%40ss@h/db?password=x", "postgres://u:***@h/db?password=***" },
		{ "postgresql://h/db?application_name=a@b",
		  "postgresql://h/db?application_name=a@b" },
		{ "postgresql://", "postgresql://" },
	};
	char out[128];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		store_url_redact(cases[i][0], out, sizeof(out));
		assert_string_equal(out, cases[i][1]);
	}
	store_url_redact("postgresql://u:secret@h/db", out, 20); /* cut, never a partial secret */
	assert_string_equal(out, "postgresql://u:***@");
	assert_null(strstr(out, "sec"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(put_get_owner_and_lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown(list_filters_and_cursor, setup, teardown),
		cmocka_unit_test_setup_teardown(delete_only_own, setup, teardown),
		cmocka_unit_test_setup_teardown(pending_rows_and_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(retention_by_age_and_count, setup, teardown),
		cmocka_unit_test_setup_teardown(migration_from_version_1, setup, teardown),
		cmocka_unit_test_setup_teardown(problems_versions_bytes_refs, setup, teardown),
		cmocka_unit_test(tokens_statuses_and_hash),
		cmocka_unit_test(backend_choice_and_url_redaction),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
