UPDATE continuous_runs SET heartbeat_at = now() WHERE process_id = $1
