-- Latency percentiles per event hour in [from, to), from hourly_latency's bucket counts: for each of
-- p50, p95 and p99 the lowest bucket whose running count reaches that share of the hour (nearest rank).
-- src/transform/hourly-metrics.ts turns a bucket into seconds.
WITH b AS (
  SELECT event_hour, latency_bucket,
         sum(transactions) OVER (PARTITION BY event_hour ORDER BY latency_bucket) AS running,
         sum(transactions) OVER (PARTITION BY event_hour) AS total
  FROM hourly_latency
  WHERE ($1::timestamp IS NULL OR event_hour >= $1::timestamp)
    AND ($2::timestamp IS NULL OR event_hour < $2::timestamp)
)
SELECT event_hour::text AS event_hour,
       max(total)::text AS transactions,
       min(latency_bucket) FILTER (WHERE running >= 0.50 * total) AS p50_bucket,
       min(latency_bucket) FILTER (WHERE running >= 0.95 * total) AS p95_bucket,
       min(latency_bucket) FILTER (WHERE running >= 0.99 * total) AS p99_bucket
FROM b
GROUP BY event_hour
ORDER BY event_hour
