-- A `txpipe run` process starts (again, under the same host:pid: its counters start over).
INSERT INTO continuous_runs (process_id, consumer_group) VALUES ($1, $2)
ON CONFLICT (process_id) DO UPDATE
SET consumer_group = EXCLUDED.consumer_group, started_at = now(), heartbeat_at = now(), steps = 0, step_seconds = 0,
    last_step_at = NULL, last_step_seconds = NULL, rows_cleaned = 0, documents_indexed = 0, errors = 0,
    last_error = NULL, stopped_at = NULL
