-- transactions_clean against transactions, row by row: the first $1 differences (oldest hour first) and
-- how many there are. The expected clean row is written here from the seed's definitions, not taken
-- from run_transformations' SQL, so a mistake there shows up as a difference:
--   the seed's columns copied as they are (amount to the last written digit),
--   event_date and event_hour the UTC day and hour of event_time,
--   latency_seconds = processing_time - event_time in seconds (exact, microseconds included),
--   is_late = latency over 120 seconds.
-- Rows of an hour run_transformations has still to touch are not compared: hours queued for a
-- recompute (changed_hours), and the hours of raw rows in log ranges not cleaned yet (changed_ranges)
-- and of the clean rows they will replace.
WITH queued AS (
  SELECT DISTINCT event_hour FROM changed_hours
  UNION
  SELECT date_trunc('hour', t.event_time) FROM changed_ranges AS r
  JOIN transactions AS t ON t.log_partition = r.log_partition AND t.log_offset >= r.first_offset AND t.log_offset < r.next_offset
  UNION
  SELECT c.event_hour FROM changed_ranges AS r
  JOIN transactions AS t ON t.log_partition = r.log_partition AND t.log_offset >= r.first_offset AND t.log_offset < r.next_offset
  JOIN transactions_clean AS c ON c.transaction_id = t.transaction_id
),
expected AS (
  SELECT t.transaction_id, t.user_id, t.amount, t.currency, t.status, t.event_time, t.processing_time,
         date_trunc('day', t.event_time)::date                                                      AS event_date,
         date_trunc('day', t.event_time) + make_interval(hours => extract(hour FROM t.event_time)::int) AS event_hour,
         extract(epoch FROM t.processing_time) - extract(epoch FROM t.event_time)                    AS latency_seconds,
         t.processing_time > t.event_time + interval '120 seconds'                                   AS is_late
  FROM transactions AS t
)
SELECT coalesce(e.transaction_id, c.transaction_id)::text AS transaction_id,
       coalesce(e.event_hour, c.event_hour)::text         AS event_hour,
       CASE WHEN c.transaction_id IS NULL THEN 'missing'
            WHEN e.transaction_id IS NULL THEN 'unexpected'
            ELSE 'mismatch' END                            AS kind,
       d.columns,
       CASE WHEN e.transaction_id IS NOT NULL THEN jsonb_build_object(
         'user_id', e.user_id::text, 'amount', e.amount::text, 'currency', e.currency, 'status', e.status,
         'event_time', e.event_time::text, 'processing_time', e.processing_time::text,
         'event_date', e.event_date::text, 'event_hour', e.event_hour::text,
         'latency_seconds', e.latency_seconds::text, 'is_late', e.is_late) END AS expected,
       CASE WHEN c.transaction_id IS NOT NULL THEN jsonb_build_object(
         'user_id', c.user_id::text, 'amount', c.amount::text, 'currency', c.currency, 'status', c.status,
         'event_time', c.event_time::text, 'processing_time', c.processing_time::text,
         'event_date', c.event_date::text, 'event_hour', c.event_hour::text,
         'latency_seconds', c.latency_seconds::text, 'is_late', c.is_late) END AS found,
       count(*) OVER ()::int                               AS total
FROM expected AS e
FULL JOIN transactions_clean AS c ON c.transaction_id = e.transaction_id
CROSS JOIN LATERAL (
  SELECT array_remove(ARRAY[
    CASE WHEN e.user_id IS DISTINCT FROM c.user_id THEN 'user_id' END,
    -- a copy keeps the amount as written: 10.50 stays 10.50, not 10.5
    CASE WHEN e.amount::text IS DISTINCT FROM c.amount::text THEN 'amount' END,
    CASE WHEN e.currency IS DISTINCT FROM c.currency THEN 'currency' END,
    CASE WHEN e.status IS DISTINCT FROM c.status THEN 'status' END,
    CASE WHEN e.event_time IS DISTINCT FROM c.event_time THEN 'event_time' END,
    CASE WHEN e.processing_time IS DISTINCT FROM c.processing_time THEN 'processing_time' END,
    CASE WHEN e.event_date IS DISTINCT FROM c.event_date THEN 'event_date' END,
    CASE WHEN e.event_hour IS DISTINCT FROM c.event_hour THEN 'event_hour' END,
    CASE WHEN e.latency_seconds IS DISTINCT FROM c.latency_seconds THEN 'latency_seconds' END,
    CASE WHEN e.is_late IS DISTINCT FROM c.is_late THEN 'is_late' END
  ], NULL) AS columns
) AS d
WHERE (e.transaction_id IS NULL OR c.transaction_id IS NULL OR cardinality(d.columns) > 0)
  AND NOT EXISTS (SELECT 1 FROM queued AS q WHERE q.event_hour = e.event_hour OR q.event_hour = c.event_hour)
ORDER BY 2, 1
LIMIT $1
