-- `txpipe run` processes seen in the last day, newest first; `active` when it beat in the last 30 s.
SELECT process_id, consumer_group, started_at, heartbeat_at, steps, step_seconds, last_step_at, last_step_seconds,
       rows_cleaned, documents_indexed, errors, last_error, stopped_at,
       (stopped_at IS NULL AND heartbeat_at > now() - interval '30 seconds') AS active
FROM continuous_runs
WHERE heartbeat_at > now() - interval '1 day'
ORDER BY heartbeat_at DESC
LIMIT 20
