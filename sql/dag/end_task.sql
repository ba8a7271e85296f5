UPDATE task_runs
SET state = $4, ended_at = now(), error = $5, summary = $6::jsonb
WHERE run_id = $1 AND task_id = $2 AND try_number = $3
