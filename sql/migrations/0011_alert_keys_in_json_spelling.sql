-- An alert's key is an hour (the event hour for late_ratio, the hour an episode started for the others)
-- and is shown in JSON (`/api/alerts`, webhook bodies) beside fired_at and resolved_at. Every JSON
-- timestamp is now spelled one way, with milliseconds: 2026-03-01T10:00:00.000Z. Keys written before
-- this migration (2026-03-01T10:00:00Z) take that spelling, so a rule's key for an hour stays one key.
UPDATE alerts
SET key = left(key, 19) || '.000Z'
WHERE key ~ '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$';
