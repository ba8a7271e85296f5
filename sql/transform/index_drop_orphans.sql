-- Pending hours with no metrics row (cannot be indexed): dropped so they do not block the queue.
DELETE FROM index_pending_hours AS p
WHERE NOT EXISTS (SELECT 1 FROM hourly_metrics AS m WHERE m.event_hour = p.event_hour)
