-- 0002_status_index.sql - the pending scan of a restart (status < 2, by seq) and the sweep
-- (status >= 2) read this index instead of the whole table.
CREATE INDEX submissions_status ON submissions (status, seq);
