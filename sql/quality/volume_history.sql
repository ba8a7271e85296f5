-- hourly_volume: for each checked hour, its transactions and those of the same hour on each of the
-- previous $2 days that have a metrics row (a day without data is no history, not a zero). The newest
-- hour of transactions_clean is still filling and is left out. $1 hours, $2 days.
WITH h AS (SELECT DISTINCT unnest($1::timestamp[]) AS event_hour),
newest AS (SELECT date_trunc('hour', max(event_time)) AS event_hour FROM transactions_clean)
SELECT h.event_hour::text AS event_hour,
       coalesce(m.total_transactions, 0)::float8 AS transactions,
       coalesce((
         SELECT array_agg(p.total_transactions::float8 ORDER BY p.event_hour)
         FROM hourly_metrics AS p
         WHERE p.event_hour = ANY (ARRAY(SELECT h.event_hour - d * interval '1 day' FROM generate_series(1, $2::int) AS d))
       ), '{}') AS history
FROM h
LEFT JOIN hourly_metrics AS m USING (event_hour)
WHERE h.event_hour < (SELECT event_hour FROM newest)
ORDER BY 1
