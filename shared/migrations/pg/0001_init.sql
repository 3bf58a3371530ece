-- 0001_init.sql - the submissions table of the PostgreSQL store (shared/store_pg.c), the same
-- columns as the SQLite back-end's: seq orders the list (its cursor), status 0..3 is
-- queued, running, done, failed; times are Unix milliseconds.
CREATE TABLE submissions (
	seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	token TEXT NOT NULL UNIQUE,
	owner TEXT NOT NULL,
	lang TEXT NOT NULL,
	status SMALLINT NOT NULL CHECK (status BETWEEN 0 AND 3),
	attempts INTEGER NOT NULL DEFAULT 0,
	created_ms BIGINT NOT NULL,
	updated_ms BIGINT NOT NULL,
	http INTEGER NOT NULL DEFAULT 0,
	request TEXT NOT NULL,
	result TEXT
);
CREATE INDEX submissions_owner ON submissions (owner, seq);
