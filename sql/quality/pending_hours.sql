-- The hours check_data_quality checks in an incremental run: those changed since they last passed.
SELECT event_hour::text AS event_hour FROM quality_pending_hours ORDER BY 1
