INSERT INTO task_runs (run_id, task_id, try_number, state)
VALUES ($1, $2, (SELECT coalesce(max(try_number), 0) + 1 FROM task_runs WHERE run_id = $1 AND task_id = $2), 'running')
RETURNING try_number
