SELECT "offset"::text AS "offset",
       (extract(epoch FROM appended_at) * 1000)::float8 AS ts,
       payload
FROM txpipe_log
WHERE topic = $1 AND "offset" >= $2::bigint
ORDER BY txpipe_log."offset"
LIMIT $3
