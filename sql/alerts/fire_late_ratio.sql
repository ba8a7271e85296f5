-- late_ratio fires for every event hour of hourly_metrics with at least $2 transactions and a late ratio
-- above $1 that has no alert yet: one alert per hour, keyed by the hour. Returns the new alerts.
-- $1 late-ratio threshold, $2 minimum transactions, $3 now (NULL = the database's clock)
INSERT INTO alerts AS a (rule, key, event_hour, value, threshold, state, fired_at)
SELECT 'late_ratio', to_char(m.event_hour, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), m.event_hour, m.late_ratio, $1, 'open',
       coalesce($3::timestamptz, now())
FROM hourly_metrics AS m
WHERE m.total_transactions >= $2
  AND m.late_ratio > $1
  AND NOT EXISTS (
    SELECT 1 FROM alerts AS x
    WHERE x.rule = 'late_ratio' AND x.key = to_char(m.event_hour, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
  )
ORDER BY m.event_hour
-- Another process evaluating at the same moment inserted it first: it fired there, not here.
ON CONFLICT DO NOTHING
RETURNING a.rule, a.key, to_char(a.event_hour, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS event_hour, a.value, a.threshold, a.state,
          a.fired_at, a.resolved_at
