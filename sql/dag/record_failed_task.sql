-- The try Airflow reports failed: recorded when txpipe never started it (no row) or did not live to end
-- it (still running: killed, timed out); a try txpipe ended itself keeps its own record.
-- Returns the row only when it was written.
INSERT INTO task_runs (run_id, task_id, try_number, state, ended_at, error)
VALUES ($1, $2, $3, 'failed', now(), $4)
ON CONFLICT (run_id, task_id, try_number)
DO UPDATE SET state = 'failed', ended_at = now(), error = EXCLUDED.error
WHERE task_runs.state = 'running'
RETURNING try_number
