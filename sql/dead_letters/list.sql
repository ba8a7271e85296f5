-- `txpipe dead-letters list` and /api/dead-letters: newest first (received_at to the millisecond, as
-- it is shown, then the position, so letters stored together come in reverse log order), each with
-- the first bytes of its payload (the caller makes text of them) and the message's size (the ORDER BY
-- names the table's columns: "offset" alone would be the output column, text, sorted as text).
-- $1 limit, $2 reason substring (case-insensitive) or null, $3 preview length in bytes.
SELECT topic, partition, "offset"::text AS "offset", received_at, reason,
       substring(payload FROM 1 FOR $3) AS payload_head,
       payload_size::integer AS payload_bytes,
       octet_length(payload) AS payload_kept_bytes,
       encode(payload_sha256, 'hex') AS payload_sha256
FROM dead_letters AS d
WHERE $2::text IS NULL OR strpos(lower(reason), lower($2::text)) > 0
ORDER BY date_trunc('milliseconds', d.received_at) DESC, d.topic DESC, d.partition DESC, d."offset" DESC
LIMIT $1
