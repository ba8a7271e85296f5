-- refresh_views recomputing whole hours: their latency buckets counted from transactions_clean.
INSERT INTO hourly_latency (event_hour, latency_bucket, transactions)
SELECT event_hour, txpipe_latency_bucket(latency_seconds), count(*)
FROM transactions_clean
WHERE event_hour = ANY ($1::timestamp[])
GROUP BY 1, 2
