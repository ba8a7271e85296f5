-- Open late_ratio alerts whose hour no longer breaks the rule (more on-time events arrived, a backfill
-- recomputed it, the hour emptied, or the rule changed) resolve. Returns them.
-- $1 late-ratio threshold, $2 minimum transactions, $3 now (NULL = the database's clock)
UPDATE alerts AS a
SET state = 'resolved', resolved_at = coalesce($3::timestamptz, now())
WHERE a.rule = 'late_ratio'
  AND a.state = 'open'
  AND NOT EXISTS (
    SELECT 1 FROM hourly_metrics AS m
    WHERE m.event_hour = a.event_hour AND m.total_transactions >= $2 AND m.late_ratio > $1
  )
RETURNING a.rule, a.key, to_char(a.event_hour, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS event_hour, a.value, a.threshold, a.state,
          a.fired_at, a.resolved_at
