-- `txpipe dead-letters show` and /api/dead-letters/{topic}/{partition}/{offset}: one letter, whole
-- (its stored bytes: the first KiB of a message refused for its size), with the message's size and SHA-256.
SELECT topic, partition, "offset"::text AS "offset", received_at, reason, payload,
       payload_size::integer AS payload_bytes,
       encode(payload_sha256, 'hex') AS payload_sha256
FROM dead_letters
WHERE topic = $1 AND partition = $2 AND "offset" = $3::bigint
