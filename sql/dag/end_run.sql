UPDATE dag_runs SET state = $2, ended_at = now(), error = $3 WHERE run_id = $1
