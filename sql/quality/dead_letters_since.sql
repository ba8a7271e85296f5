-- dead_letter_rate: dead letters received after the previous check ($1; NULL = all of them).
SELECT count(*)::text AS n FROM dead_letters WHERE $1::timestamptz IS NULL OR received_at > $1::timestamptz
