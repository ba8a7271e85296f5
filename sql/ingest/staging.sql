-- Per-session staging table for one ingest batch (COPY target on PostgreSQL). Rows vanish at commit.
-- Columns spelled out (not LIKE transactions) so it can be created before migrations ran.
CREATE TEMP TABLE IF NOT EXISTS ingest_staging (
  transaction_id  uuid,
  user_id         uuid,
  amount          numeric,
  currency        text,
  status          text,
  event_time      timestamp,
  processing_time timestamp
) ON COMMIT DELETE ROWS;
