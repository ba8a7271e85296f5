-- Hours whose data changed (refresh_views), or that failed a check and stay held: checked next run.
INSERT INTO quality_pending_hours (event_hour) SELECT unnest($1::timestamp[]) ON CONFLICT DO NOTHING
