SELECT count(*)::text AS n FROM transactions_clean WHERE event_hour = ANY($1::timestamp[])
