/*
 * store.h - durable asynchronous submissions behind one small interface (an ops table), so that
 * a back-end is one file: SQLite by default (store_sqlite.c), PostgreSQL through libpq when a
 * connection URL is configured (store_pg.c). The store process (master/store_main.c) is the only
 * caller; the master itself never waits on a database.
 */
#ifndef EXECUTIONER_STORE_H
#define EXECUTIONER_STORE_H

#include <stddef.h>
#include <stdint.h>

#define STORE_TOKEN_LEN 32 /* 128 random bits as lowercase hex */
#define STORE_OWNER_LEN 64 /* SHA-256 of the API key as hex, "" without keys */

enum store_status { ST_QUEUED = 0, ST_RUNNING, ST_DONE, ST_FAILED, ST_NSTATUS };

/* The module's error (log.h): why a call failed, for the client (503 with the reason). */
struct store_error {
	char msg[256];
};

/* One submission. Strings are owned by whoever filled the row (store_row_clear frees them). */
struct store_row {
	int64_t seq;                 /* insertion order: the list's cursor */
	char token[STORE_TOKEN_LEN + 1];
	char owner[STORE_OWNER_LEN + 1];
	char lang[32];
	enum store_status status;
	int attempts;                /* runs started (1 when it ran once) */
	int64_t created_ms, updated_ms; /* Unix time, ms */
	int http;                    /* the result's HTTP status (0 until it ends) */
	char *request;               /* the request body as sent (NULL when not asked for) */
	char *result;                /* the result's JSON (NULL until it ends) */
};

/* A page of GET /submissions: newest first, seq < before (0: from the newest). */
struct store_filter {
	const char *owner;           /* only this owner's rows ("" = rows of no key) */
	const char *lang;            /* NULL: any */
	int status;                  /* -1: any */
	int64_t since_ms;            /* created at or after; 0: any */
	int64_t before;              /* the cursor */
	int limit;
};

struct store_conf {
	const char *path;            /* SQLite: the database file (created with its directory) */
	int busy_timeout_ms;
	const char *url;             /* PostgreSQL: the connection URL (postgresql://...) */
	int connect_timeout_s;       /* PostgreSQL: a connection attempt's limit */
	int statement_timeout_ms;    /* PostgreSQL: a statement's limit (server and socket side) */
};

/* One stored version of a contest problem (master/store_problems.c writes its data files). */
#define STORE_PROBLEM_ID_MAX 64
struct store_problem {
	char id[STORE_PROBLEM_ID_MAX + 1];
	int version;
	int64_t created_ms;
	int64_t bytes;               /* its tests' data */
	char *manifest;              /* JSON (owned by whoever filled it; free()) */
};

/* Called per row; the row's strings are valid during the call only. Nonzero stops the scan. */
typedef int (*store_row_fn)(const struct store_row *r, void *arg);

struct store;
struct store_ops {
	const char *name;
	/* Opens (creating and migrating the schema). NULL with e set. */
	struct store *(*open)(const struct store_conf *c, struct store_error *e);
	void (*close)(struct store *s);
	/* Inserts a new row (committed when it returns 0). -1 with e set. */
	int (*put)(struct store *s, const struct store_row *r, struct store_error *e);
	/* 1 found (out filled, request and result included), 0 unknown or another owner's, -1. */
	int (*get)(struct store *s, const char *token, const char *owner, struct store_row *out,
		   struct store_error *e);
	/* Rows of f, without request and result: the number given to fn, or -1. */
	int (*list)(struct store *s, const struct store_filter *f, store_row_fn fn, void *arg,
		    struct store_error *e);
	/* queued (or running, after a restart) -> running as run number attempt: attempts becomes
	 * at least attempt, so a start told twice counts once. 1 done, 0 no such row, -1. */
	int (*start)(struct store *s, const char *token, int attempt, int64_t now_ms,
		     struct store_error *e);
	/* -> done or failed with the result. 1 done, 0 no such row, -1. */
	int (*finish)(struct store *s, const char *token, enum store_status st, int http,
		      const char *result, int64_t now_ms, struct store_error *e);
	/* 1 deleted, 0 unknown or another owner's, -1. */
	int (*del)(struct store *s, const char *token, const char *owner, struct store_error *e);
	/* Removes finished rows older than cutoff_ms (0: none) and those beyond the newest
	 * max_rows finished ones (0: no cap). The number removed, or -1. */
	int (*sweep)(struct store *s, int64_t cutoff_ms, int max_rows, struct store_error *e);
	/* Queued and running rows with after < seq <= upto, oldest first, request included: the
	 * work a restart must run again. The number given to fn, or -1. */
	int (*pending)(struct store *s, int64_t after, int64_t upto, int limit, store_row_fn fn,
		       void *arg, struct store_error *e);
	/* The largest seq so far (0 when empty), or -1. */
	int64_t (*last_seq)(struct store *s, struct store_error *e);
	/* Problems: inserts one version (committed when it returns 0; -1 when it exists). */
	int (*prob_put)(struct store *s, const struct store_problem *p, struct store_error *e);
	/* 1 found (out filled; version 0: the latest), 0 unknown, -1. */
	int (*prob_get)(struct store *s, const char *id, int version, struct store_problem *out,
			struct store_error *e);
	/* Removes every version of id: the number removed, or -1. */
	int (*prob_del)(struct store *s, const char *id, struct store_error *e);
	/* Every stored version's bytes together, or -1. */
	int64_t (*prob_bytes)(struct store *s, struct store_error *e);
	/* How many stored versions' manifests name text (a blob's hash), or -1. */
	int (*prob_refs)(struct store *s, const char *text, struct store_error *e);
	/* NULL for a back-end that cannot lose its database (SQLite). Else: 0 when the database
	 * answers (reconnecting first when the connection was lost), -1 with e set when not. */
	int (*ping)(struct store *s, struct store_error *e);
};

extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_pg_ops;

/* 1 when url is a PostgreSQL connection URL (postgresql:// or postgres://). */
int store_is_pg_url(const char *url);
/* The back-end for the configured store.url: PostgreSQL for such a URL, else SQLite. */
const struct store_ops *store_backend(const char *url);
/* url with its password (user:PASSWORD@ and password=...) replaced by "***", for logs. */
void store_url_redact(const char *url, char *out, size_t n);
const char *store_status_name(enum store_status st);
int store_status_parse(const char *s); /* -1 when unknown */
void store_row_clear(struct store_row *r);
/* 1 when s is exactly STORE_TOKEN_LEN lowercase hex digits. */
int store_token_valid(const char *s);

#endif
