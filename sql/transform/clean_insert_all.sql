-- The full refresh: the same expressions as clean_insert_hours.sql, over every raw row.
INSERT INTO transactions_clean (
  transaction_id, user_id, amount, currency, status, event_time, processing_time,
  event_date, event_hour, latency_seconds, is_late
)
SELECT t.transaction_id, t.user_id, t.amount, t.currency, t.status, t.event_time, t.processing_time,
       t.event_time::date,
       date_trunc('hour', t.event_time),
       extract(epoch FROM t.processing_time - t.event_time),
       extract(epoch FROM t.processing_time - t.event_time) > 120
FROM transactions AS t
