-- First delivery wins: rows whose transaction_id is already stored are left out and reported by omission.
INSERT INTO transactions (transaction_id, user_id, amount, currency, status, event_time, processing_time)
SELECT transaction_id, user_id, amount, currency, status, event_time, processing_time
FROM ingest_staging
ORDER BY transaction_id -- a stable lock order between concurrent ingest processes
ON CONFLICT (transaction_id) DO NOTHING
RETURNING transaction_id::text
