-- A process-wide rule (freshness, dead_letter_ratio) whose condition holds fires unless one of its
-- alerts is open: the episode is one alert, keyed by the UTC hour it started in, however long it lasts.
-- A key already used (an episode that cleared and came back within the hour) fires nothing: once per
-- rule and hour. Returns the new alert, if any.
-- $1 rule, $2 value, $3 threshold, $4 now (NULL = the database's clock)
INSERT INTO alerts AS a (rule, key, value, threshold, state, fired_at)
SELECT $1::text,
       to_char(date_trunc('hour', coalesce($4::timestamptz, now()) AT TIME ZONE 'UTC'), 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
       $2::float8, $3::float8, 'open', coalesce($4::timestamptz, now())
WHERE NOT EXISTS (SELECT 1 FROM alerts AS x WHERE x.rule = $1::text AND x.state = 'open')
-- The key is taken, or another process opened the episode at the same moment (alerts_one_open_episode).
ON CONFLICT DO NOTHING
RETURNING a.rule, a.key, NULL::text AS event_hour, a.value, a.threshold, a.state, a.fired_at, a.resolved_at
