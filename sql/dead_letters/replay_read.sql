-- `txpipe dead-letters replay`: the next dead letters of a topic after a position, in log order, locked
-- until the replay commits (a second replay at the same time waits, then no longer finds the letters
-- the first one moved). A letter stored before migration 0010 without its record timestamp uses its
-- received_at (see the migration). payload_size above the payload's length marks a message refused for
-- its size, of which only the first KiB was kept. $1 topic, $2 reason substring (case-insensitive) or null,
-- $3 and $4 the position after which to read, $5 how many.
SELECT partition, "offset"::text AS "offset", reason, payload, payload_size > octet_length(payload) AS truncated,
       coalesce(log_timestamp_ms, floor(extract(epoch FROM received_at) * 1000)::bigint)::float8 AS log_timestamp_ms,
       received_at
FROM dead_letters AS d
WHERE topic = $1
  AND ($2::text IS NULL OR strpos(lower(reason), lower($2::text)) > 0)
  AND (partition, "offset") > ($3::int, $4::bigint)
ORDER BY d.partition, d."offset"
LIMIT $5
FOR UPDATE
