-- run_transformations --full-refresh: every raw row, cleaned by the same definition.
INSERT INTO transactions_clean (
  transaction_id, user_id, amount, currency, status, event_time, processing_time,
  event_date, event_hour, latency_seconds, is_late
)
SELECT transaction_id, user_id, amount, currency, status, event_time, processing_time,
       event_date, event_hour, latency_seconds, is_late
FROM transactions_clean_source
