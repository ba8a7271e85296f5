SELECT run_id, state, logical_date, started_at, ended_at, error,
       extract(epoch FROM coalesce(ended_at, now()) - started_at)::float8 AS duration_seconds
FROM dag_runs
WHERE dag_id = $1
ORDER BY started_at DESC
LIMIT 1
