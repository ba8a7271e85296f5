-- `txpipe dead-letters list` and /api/dead-letters: newest first (received_at to the millisecond, as
-- it is shown, then the position, so letters stored together come in reverse log order), each with
-- the start of its payload and the payload's size (the ORDER BY names the table's columns: "offset" alone would be the
-- output column, text, sorted as text). $1 limit, $2 reason substring (case-insensitive) or null,
-- $3 preview length in characters.
SELECT topic, partition, "offset"::text AS "offset", received_at, reason,
       left(payload, $3) AS payload_preview,
       octet_length(payload) AS payload_bytes,
       char_length(payload) > $3 AS payload_truncated
FROM dead_letters AS d
WHERE $2::text IS NULL OR strpos(lower(reason), lower($2::text)) > 0
ORDER BY date_trunc('milliseconds', d.received_at) DESC, d.topic DESC, d.partition DESC, d."offset" DESC
LIMIT $1
