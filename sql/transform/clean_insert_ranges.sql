-- run_transformations for new raw rows, second half: the raw rows of the claimed log ranges, cleaned
-- (transactions_clean_source, the one definition), and what they count added (positive deltas).
-- $1 partitions, $2 first offsets, $3 next offsets. Returns how many rows were cleaned.
WITH added AS (
  INSERT INTO transactions_clean (
    transaction_id, user_id, amount, currency, status, event_time, processing_time,
    event_date, event_hour, latency_seconds, is_late
  )
  SELECT s.transaction_id, s.user_id, s.amount, s.currency, s.status, s.event_time, s.processing_time,
         s.event_date, s.event_hour, s.latency_seconds, s.is_late
  FROM unnest($1::int[], $2::bigint[], $3::bigint[]) AS r(p, f, n)
  -- One index range scan per log range (OFFSET 0 keeps the planner from turning this into a join that
  -- reads the whole position index: its cost would follow the table, not the new rows).
  CROSS JOIN LATERAL (
    SELECT * FROM transactions_clean_source AS c
    WHERE c.log_partition = r.p AND c.log_offset >= r.f AND c.log_offset < r.n
    OFFSET 0
  ) AS s
  RETURNING event_hour, latency_seconds, amount, is_late
), deltas AS (
  INSERT INTO metrics_deltas (event_hour, latency_bucket, transactions, amount, late)
  SELECT event_hour, txpipe_latency_bucket(latency_seconds), count(*), sum(amount), count(*) FILTER (WHERE is_late)
  FROM added
  GROUP BY 1, 2
)
SELECT count(*)::text AS n FROM added
