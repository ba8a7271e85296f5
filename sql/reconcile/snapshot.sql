-- reconcile reads every table from one snapshot: ingest and each DAG task commit their rows together
-- with their queue rows, so within one snapshot a table and its queue always agree.
SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY
