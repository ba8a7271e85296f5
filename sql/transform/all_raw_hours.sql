SELECT DISTINCT date_trunc('hour', event_time)::text AS event_hour FROM transactions ORDER BY 1
