-- A run starts, or is resumed under the same run_id: Airflow's one process per task ($7 false: the run
-- keeps its start), or a scheduled or backfill logical date run again as a whole ($7 true: its duration
-- is the new attempt's; its tasks get new tries). The full-refresh flag is the latest attempt's.
INSERT INTO dag_runs (run_id, dag_id, logical_date, data_interval_end, run_type, full_refresh, state)
VALUES ($1, $2, $3::timestamptz, $4::timestamptz, $5, $6, 'running')
ON CONFLICT (run_id) DO UPDATE SET state = 'running', ended_at = NULL, error = NULL, full_refresh = EXCLUDED.full_refresh,
  started_at = CASE WHEN $7::boolean THEN now() ELSE dag_runs.started_at END
