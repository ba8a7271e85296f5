-- The newest event hour counted in hourly_metrics, up to now: its late ratio and transactions (the
-- current hour's while events flow), and the age of the newest event in it (freshness). An hour that
-- run_transformations rebuilt and refresh_views has not aggregated yet is not counted yet; events
-- dated after now (a producer's clock running ahead) do not make the pipeline look fresh.
-- No row when hourly_metrics is empty. $1 now (NULL = the database's clock)
WITH clock AS (
  SELECT coalesce($1::timestamptz, now()) AT TIME ZONE 'UTC' AS t
), latest AS (
  SELECT m.event_hour, m.total_transactions, m.late_ratio
  FROM hourly_metrics AS m, clock
  WHERE m.event_hour <= date_trunc('hour', clock.t)
    AND NOT EXISTS (SELECT 1 FROM metrics_pending_hours AS p WHERE p.event_hour = m.event_hour)
  ORDER BY m.event_hour DESC
  LIMIT 1
), newest AS (
  SELECT max(c.event_time) AS event_time
  FROM transactions_clean AS c, latest, clock
  WHERE c.event_hour = latest.event_hour AND c.event_time <= clock.t
)
SELECT to_char(latest.event_hour, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS event_hour,
       latest.total_transactions::text AS total_transactions,
       latest.late_ratio,
       newest.event_time::text AS newest_event_time,
       greatest(0, extract(epoch FROM clock.t - newest.event_time))::float8 AS freshness_seconds
FROM latest, newest, clock
