-- A run starts, or (Airflow, one process per task) is resumed under the same run_id.
INSERT INTO dag_runs (run_id, dag_id, logical_date, data_interval_end, run_type, full_refresh, state)
VALUES ($1, $2, $3::timestamptz, $4::timestamptz, $5, $6, 'running')
ON CONFLICT (run_id) DO UPDATE SET state = 'running', ended_at = NULL, error = NULL
