-- Appends in one statement; the caller holds pg_advisory_xact_lock for the topic, so offsets become
-- visible in order and a reader never passes an offset that commits later.
INSERT INTO txpipe_log (topic, appended_at, payload)
-- $3: the payloads' bytes as hex text.
SELECT $1, $2::timestamp, decode(p, 'hex') FROM unnest($3::text[]) WITH ORDINALITY AS t(p, n) ORDER BY n
