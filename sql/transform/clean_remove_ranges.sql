-- run_transformations for new raw rows, first half: the clean rows of their ids that exist already
-- (a delivery displaced by an earlier-sorting one, whose id is cleaned again) are removed, and what
-- they counted is subtracted (negative deltas). $1 partitions, $2 first offsets, $3 next offsets.
WITH fresh AS (
  SELECT t.transaction_id
  FROM unnest($1::int[], $2::bigint[], $3::bigint[]) AS r(p, f, n)
  -- One index range scan per log range (see clean_insert_ranges.sql).
  CROSS JOIN LATERAL (
    SELECT transaction_id FROM transactions AS x
    WHERE x.log_partition = r.p AND x.log_offset >= r.f AND x.log_offset < r.n
    OFFSET 0
  ) AS t
), removed AS (
  DELETE FROM transactions_clean AS c USING fresh
  WHERE c.transaction_id = fresh.transaction_id
  RETURNING c.event_hour, c.latency_seconds, c.amount, c.is_late
)
INSERT INTO metrics_deltas (event_hour, latency_bucket, transactions, amount, late)
SELECT event_hour, txpipe_latency_bucket(latency_seconds), -count(*), -sum(amount), -count(*) FILTER (WHERE is_late)
FROM removed
GROUP BY 1, 2
