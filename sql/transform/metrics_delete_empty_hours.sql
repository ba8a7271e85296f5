-- An hour that no longer has clean rows has no metrics row either.
DELETE FROM hourly_metrics AS m
WHERE m.event_hour = ANY($1::timestamp[])
  AND NOT EXISTS (SELECT 1 FROM transactions_clean AS c WHERE c.event_hour = m.event_hour)
RETURNING event_hour::text AS event_hour
