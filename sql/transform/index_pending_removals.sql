-- Pending hours that no longer have a metrics row (every transaction of the hour moved to another hour,
-- displaced by an earlier delivery): their documents are removed from the index, oldest first.
SELECT p.event_hour::text AS event_hour
FROM index_pending_hours AS p
WHERE NOT EXISTS (SELECT 1 FROM hourly_metrics AS m WHERE m.event_hour = p.event_hour)
ORDER BY p.event_hour
LIMIT $1
