-- Airflow reported a try of this run failed and will retry it: the run goes on. A run txpipe never saw
-- is created as running (the retry's `task run` then carries it on); a run txpipe knows is left as it is.
INSERT INTO dag_runs (run_id, dag_id, logical_date, data_interval_end, run_type, state)
VALUES ($1, $2, $3::timestamptz, $4::timestamptz, $5, 'running')
ON CONFLICT (run_id) DO NOTHING
