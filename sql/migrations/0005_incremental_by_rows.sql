-- Transformations whose cost follows the new rows, not the hours they fall in: an hour of a busy topic
-- holds millions of rows, and rebuilding it for each new batch (what changed_hours asked for) costs the
-- whole hour each time. Now the ingest records the log ranges each batch stored; run_transformations
-- cleans exactly the raw rows in those ranges (an id already clean is replaced: a displaced delivery)
-- and records what that changed per hour as deltas; refresh_views adds the deltas to hourly_metrics.
-- Counts and NUMERIC sums are exact, so an hour built from deltas equals the hour recomputed whole.
-- changed_hours stays the queue of hours to recompute whole from the raw rows (backfills).

-- The raw rows of a log range, found by position: appends at the right edge of the index, cheap to keep.
CREATE INDEX transactions_log_position_idx ON transactions (log_partition, log_offset);

-- Log ranges [first_offset, next_offset) of one partition that a batch stored and run_transformations
-- has not cleaned yet. No unique key, as changed_hours: an ingest never skips its row.
CREATE TABLE changed_ranges (
  log_partition integer NOT NULL,
  first_offset  bigint  NOT NULL,
  next_offset   bigint  NOT NULL
);

-- What run_transformations changed in transactions_clean, per event hour and latency bucket, for
-- refresh_views to add to hourly_metrics and hourly_latency: a row cleaned adds one, a clean row
-- replaced or removed subtracts one.
CREATE TABLE metrics_deltas (
  event_hour     timestamp NOT NULL,
  latency_bucket integer   NOT NULL,
  transactions   bigint    NOT NULL,
  amount         numeric   NOT NULL,
  late           bigint    NOT NULL
);

-- latency_seconds on a log scale, four buckets per doubling (each spans a factor of 2^(1/4), about
-- 19 %): bucket b >= 1 holds [2^((b-1)/4), 2^(b/4)) milliseconds, 0 holds [0, 1 ms), and negative
-- latencies (the producer's clock ahead of the event's) mirror them below 0. Exact counts per bucket
-- make hourly percentiles that deltas can maintain, within half a bucket.
CREATE FUNCTION txpipe_latency_bucket(latency_seconds numeric) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN abs(latency_seconds) < 0.001 THEN 0
    ELSE sign(latency_seconds)::int * (1 + floor(4 * log(2, abs(latency_seconds) * 1000))::int)
  END
$$;

-- The clean row of a raw row, in one place: run_transformations reads it by log range (new rows) and
-- by event hour (recomputing an hour), so both give the same rows.
CREATE VIEW transactions_clean_source AS
SELECT t.transaction_id, t.user_id, t.amount, t.currency, t.status, t.event_time, t.processing_time,
       t.event_time::date                                   AS event_date,
       date_trunc('hour', t.event_time)                     AS event_hour,
       extract(epoch FROM t.processing_time - t.event_time) AS latency_seconds,
       extract(epoch FROM t.processing_time - t.event_time) > 120 AS is_late,
       t.log_partition, t.log_offset
FROM transactions AS t;

-- Transactions per hour and latency bucket, beside hourly_metrics (whose columns stay the seed's).
CREATE TABLE hourly_latency (
  event_hour     timestamp NOT NULL,
  latency_bucket integer   NOT NULL,
  transactions   bigint    NOT NULL,
  PRIMARY KEY (event_hour, latency_bucket)
);

-- Rows ingested before this migration were cleaned by hour; their latency buckets start complete.
INSERT INTO hourly_latency (event_hour, latency_bucket, transactions)
SELECT event_hour, txpipe_latency_bucket(latency_seconds), count(*)
FROM transactions_clean
GROUP BY 1, 2;
