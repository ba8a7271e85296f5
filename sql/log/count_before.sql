SELECT count(*)::text AS n FROM txpipe_log WHERE topic = $1 AND "offset" < $2::bigint
