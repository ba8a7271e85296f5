DELETE FROM index_pending_hours WHERE event_hour = ANY($1::timestamp[])
