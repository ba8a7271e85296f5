INSERT INTO index_pending_hours (event_hour) SELECT unnest($1::timestamp[]) ON CONFLICT DO NOTHING
