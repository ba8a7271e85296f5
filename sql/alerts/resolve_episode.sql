-- A process-wide rule whose condition no longer holds: its open alert resolves. Returns it, if any.
-- $1 rule, $2 now (NULL = the database's clock)
UPDATE alerts AS a
SET state = 'resolved', resolved_at = coalesce($2::timestamptz, now())
WHERE a.rule = $1::text AND a.state = 'open'
RETURNING a.rule, a.key, to_char(a.event_hour, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS event_hour, a.value, a.threshold, a.state,
          a.fired_at, a.resolved_at
