-- 0003_problems.sql - stored contest problems (master/store_problems.c), the same columns as
-- the SQLite back-end's problems table: one row per version of an id; manifest is the
-- version's JSON (the blobs its tests name), created_ms Unix milliseconds.
CREATE TABLE problems (
	id TEXT NOT NULL,
	version INTEGER NOT NULL,
	created_ms BIGINT NOT NULL,
	bytes BIGINT NOT NULL,
	manifest TEXT NOT NULL,
	PRIMARY KEY (id, version)
);
