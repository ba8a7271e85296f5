-- Serialises appends to one topic, so offsets become visible in order (see append.sql).
SELECT pg_advisory_xact_lock($1::bigint)
