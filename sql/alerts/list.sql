-- `txpipe alerts`, /api/alerts: newest first. $1 state ('open' | 'resolved', NULL = all), $2 limit.
SELECT a.rule, a.key, to_char(a.event_hour, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS event_hour, a.value, a.threshold, a.state,
       a.fired_at, a.resolved_at
FROM alerts AS a
WHERE $1::text IS NULL OR a.state = $1::text
ORDER BY a.fired_at DESC, a.rule, a.key
LIMIT $2
