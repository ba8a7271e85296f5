-- `txpipe metrics hourly`: rows in [from, to), every column as exact text.
SELECT event_hour::text AS event_hour,
       total_transactions::text AS total_transactions,
       total_amount::text AS total_amount,
       late_transactions::text AS late_transactions,
       late_ratio
FROM hourly_metrics
WHERE ($1::timestamp IS NULL OR event_hour >= $1::timestamp)
  AND ($2::timestamp IS NULL OR event_hour < $2::timestamp)
ORDER BY event_hour
