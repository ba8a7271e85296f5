-- refresh_views for new rows: takes the deltas run_transformations recorded and adds them, per hour, to
-- hourly_metrics and, per hour and latency bucket, to hourly_latency. Exact: counts are integers and
-- amounts NUMERIC, so the sums equal the hour recomputed whole (trim_scale gives both one spelling), and
-- late_ratio is computed from the summed counts as the recompute does. Hours in $1 are recomputed whole
-- in this run: their deltas are already in the clean rows they are recomputed from, so they are dropped.
-- Returns the hours whose metrics changed.
WITH claimed AS (
  DELETE FROM metrics_deltas RETURNING event_hour, latency_bucket, transactions, amount, late
), kept AS (
  SELECT * FROM claimed WHERE event_hour <> ALL ($1::timestamp[])
), per_bucket AS (
  SELECT event_hour, latency_bucket, sum(transactions) AS transactions
  FROM kept GROUP BY 1, 2 HAVING sum(transactions) <> 0
), latency AS (
  INSERT INTO hourly_latency AS h (event_hour, latency_bucket, transactions)
  SELECT * FROM per_bucket
  ON CONFLICT (event_hour, latency_bucket) DO UPDATE SET transactions = h.transactions + EXCLUDED.transactions
), per_hour AS (
  SELECT event_hour, sum(transactions) AS t, sum(amount) AS a, sum(late) AS l
  FROM kept GROUP BY 1 HAVING sum(transactions) <> 0 OR sum(amount) <> 0 OR sum(late) <> 0
)
INSERT INTO hourly_metrics AS m (event_hour, total_transactions, total_amount, late_transactions, late_ratio)
SELECT event_hour, t, trim_scale(a), l, coalesce(l::float8 / nullif(t, 0)::float8, 0) FROM per_hour
ON CONFLICT (event_hour) DO UPDATE
SET total_transactions = m.total_transactions + EXCLUDED.total_transactions,
    total_amount       = trim_scale(m.total_amount + EXCLUDED.total_amount),
    late_transactions  = m.late_transactions + EXCLUDED.late_transactions,
    late_ratio         = coalesce((m.late_transactions + EXCLUDED.late_transactions)::float8
                                  / nullif(m.total_transactions + EXCLUDED.total_transactions, 0)::float8, 0)
RETURNING event_hour::text AS event_hour
