SELECT "offset"::text AS "offset",
       (extract(epoch FROM appended_at) * 1000)::float8 AS ts,
       -- As hex text: Buffer.from(hex) is native, while the drivers' bytea parsers walk it in JS (5x slower on PGlite).
       encode(payload, 'hex') AS payload_hex
FROM txpipe_log
WHERE topic = $1 AND "offset" >= $2::bigint
ORDER BY txpipe_log."offset"
LIMIT $3
