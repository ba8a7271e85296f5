-- The full refresh of hourly_metrics: the same aggregation as metrics_upsert_hours.sql, over every hour.
INSERT INTO hourly_metrics (event_hour, total_transactions, total_amount, late_transactions, late_ratio)
SELECT c.event_hour,
       count(*),
       sum(c.amount),
       count(*) FILTER (WHERE c.is_late),
       (count(*) FILTER (WHERE c.is_late))::float8 / count(*)
FROM transactions_clean AS c
GROUP BY c.event_hour
RETURNING event_hour::text AS event_hour
