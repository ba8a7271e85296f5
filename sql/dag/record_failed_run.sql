-- Airflow reported a task of this run failed (its failure callback): the run is failed. A run txpipe
-- never saw is created; one txpipe already ended as failed keeps its own end and error.
INSERT INTO dag_runs (run_id, dag_id, logical_date, data_interval_end, run_type, state, ended_at, error)
VALUES ($1, $2, $3::timestamptz, $4::timestamptz, $5, 'failed', now(), $6)
ON CONFLICT (run_id) DO UPDATE
SET state = 'failed',
    ended_at = CASE WHEN dag_runs.state = 'failed' THEN coalesce(dag_runs.ended_at, now()) ELSE now() END,
    error = CASE WHEN dag_runs.state = 'failed' THEN coalesce(dag_runs.error, EXCLUDED.error) ELSE EXCLUDED.error END
