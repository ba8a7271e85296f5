-- Hours still queued for the index task: their documents may lag their hourly_metrics rows.
SELECT to_char(event_hour, 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS event_hour FROM index_pending_hours ORDER BY 1
