-- refresh_views recomputing whole hours, first: their latency buckets go (latency_insert_hours.sql
-- counts them again; two statements, since one statement may not delete and re-insert the same keys).
DELETE FROM hourly_latency WHERE event_hour = ANY ($1::timestamp[])
