WITH claimed AS (DELETE FROM metrics_pending_hours RETURNING event_hour)
SELECT event_hour::text AS event_hour FROM claimed ORDER BY 1
