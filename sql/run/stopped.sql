UPDATE continuous_runs SET stopped_at = now(), heartbeat_at = now() WHERE process_id = $1
