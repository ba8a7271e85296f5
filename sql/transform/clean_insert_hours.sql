-- run_transformations recomputing whole hours (backfills, and every hour on --full-refresh): the raw
-- rows of each hour, cleaned by transactions_clean_source (the same definition as for new rows).
-- Deterministic: the same raw rows always give the same clean rows (no wall clock, no session TZ).
INSERT INTO transactions_clean (
  transaction_id, user_id, amount, currency, status, event_time, processing_time,
  event_date, event_hour, latency_seconds, is_late
)
SELECT s.transaction_id, s.user_id, s.amount, s.currency, s.status, s.event_time, s.processing_time,
       s.event_date, s.event_hour, s.latency_seconds, s.is_late
FROM unnest($1::timestamp[]) AS h(event_hour)
JOIN transactions_clean_source AS s
  ON s.event_time >= h.event_hour AND s.event_time < h.event_hour + interval '1 hour'
