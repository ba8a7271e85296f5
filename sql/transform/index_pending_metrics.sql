-- The hourly_metrics rows not yet in the search index, oldest first, one chunk at a time.
SELECT m.event_hour::text AS event_hour,
       m.total_transactions::text AS total_transactions,
       m.total_amount::text AS total_amount,
       m.late_transactions::text AS late_transactions,
       m.late_ratio
FROM index_pending_hours AS p
JOIN hourly_metrics AS m USING (event_hour)
ORDER BY m.event_hour
LIMIT $1
