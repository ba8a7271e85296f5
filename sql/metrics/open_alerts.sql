-- Open alerts per rule, for txpipe_alerts_open.
SELECT rule, count(*)::int AS open FROM alerts WHERE state = 'open' GROUP BY rule
