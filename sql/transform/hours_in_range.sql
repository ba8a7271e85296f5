-- Hours holding raw rows in [$1, $2): what a backfill recomputes.
SELECT DISTINCT date_trunc('hour', event_time)::text AS event_hour
FROM transactions
WHERE event_time >= $1::timestamp AND event_time < $2::timestamp
ORDER BY 1
