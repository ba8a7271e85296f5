-- Hours that passed every `error` check leave the queue.
DELETE FROM quality_pending_hours WHERE event_hour = ANY($1::timestamp[])
