-- run_transformations for a set of event hours: the raw rows of each hour, cleaned and enriched.
-- Deterministic: the same raw rows always give the same clean rows (no wall clock, no session TZ).
INSERT INTO transactions_clean (
  transaction_id, user_id, amount, currency, status, event_time, processing_time,
  event_date, event_hour, latency_seconds, is_late
)
SELECT t.transaction_id, t.user_id, t.amount, t.currency, t.status, t.event_time, t.processing_time,
       t.event_time::date,
       date_trunc('hour', t.event_time),
       extract(epoch FROM t.processing_time - t.event_time),
       extract(epoch FROM t.processing_time - t.event_time) > 120
FROM unnest($1::timestamp[]) AS h(event_hour)
JOIN transactions AS t
  ON t.event_time >= h.event_hour AND t.event_time < h.event_hour + interval '1 hour'
