-- `txpipe dag runs`: newest first, with each task's last try. The tasks' times are written as the
-- columns' are (2026-09-01T03:00:00.123Z): json_build_object would spell them 2026-09-01T03:00:00.123456+00:00.
SELECT r.run_id, r.dag_id, r.logical_date, r.run_type, r.full_refresh, r.state, r.started_at, r.ended_at, r.error,
       extract(epoch FROM coalesce(r.ended_at, now()) - r.started_at)::float8 AS duration_seconds,
       coalesce((
         SELECT json_agg(json_build_object(
                  'task_id', t.task_id, 'state', t.state, 'try_number', t.try_number,
                  'started_at', to_char(t.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                  'ended_at', to_char(t.ended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                  'duration_seconds', extract(epoch FROM coalesce(t.ended_at, now()) - t.started_at)::float8,
                  'error', t.error, 'summary', t.summary)
                ORDER BY t.started_at)
         FROM (SELECT DISTINCT ON (task_id) * FROM task_runs WHERE run_id = r.run_id
               ORDER BY task_id, try_number DESC) AS t
       ), '[]'::json) AS tasks
FROM dag_runs AS r
WHERE r.dag_id = $1
ORDER BY r.started_at DESC
LIMIT $2
