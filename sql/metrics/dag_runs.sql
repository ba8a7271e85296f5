-- The DAG's recorded runs per state (whoever ran them: a scheduler, `dag run`, Airflow), with when the
-- newest of each ended, for txpipe_dag_runs_recorded and txpipe_dag_last_run_end_timestamp_seconds.
-- $1 dag_id
SELECT state, count(*)::int AS runs, extract(epoch FROM max(ended_at))::float8 AS last_ended_at
FROM dag_runs
WHERE dag_id = $1
GROUP BY state
