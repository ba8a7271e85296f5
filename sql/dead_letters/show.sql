-- `txpipe dead-letters show` and /api/dead-letters/{topic}/{partition}/{offset}: one letter, whole.
SELECT topic, partition, "offset"::text AS "offset", received_at, reason, payload,
       octet_length(payload) AS payload_bytes
FROM dead_letters
WHERE topic = $1 AND partition = $2 AND "offset" = $3::bigint
