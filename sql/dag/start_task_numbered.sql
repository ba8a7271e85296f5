-- A try whose number the caller owns (Airflow's try_number, so txpipe's history and Airflow's UI agree).
-- The same try seen again (a task process restarted by hand) starts over.
INSERT INTO task_runs (run_id, task_id, try_number, state)
VALUES ($1, $2, $3, 'running')
ON CONFLICT (run_id, task_id, try_number)
DO UPDATE SET state = 'running', started_at = now(), ended_at = NULL, error = NULL, summary = NULL
RETURNING try_number
