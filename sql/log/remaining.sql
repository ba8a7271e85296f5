-- Records at or after a position (offsets may have gaps: the identity is shared by all topics).
SELECT count(*)::text AS remaining FROM txpipe_log WHERE topic = $1 AND "offset" >= $2::bigint
