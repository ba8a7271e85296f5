-- Latency percentiles per event hour in [from, to) (latency_seconds = processing − event time, as in
-- transactions_clean), for the dashboard and the API.
SELECT event_hour::text AS event_hour,
       percentile_cont(0.50) WITHIN GROUP (ORDER BY latency_seconds)::float8 AS p50_seconds,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_seconds)::float8 AS p95_seconds,
       percentile_cont(0.99) WITHIN GROUP (ORDER BY latency_seconds)::float8 AS p99_seconds
FROM transactions_clean
WHERE ($1::timestamp IS NULL OR event_hour >= $1::timestamp)
  AND ($2::timestamp IS NULL OR event_hour < $2::timestamp)
GROUP BY event_hour
ORDER BY event_hour
