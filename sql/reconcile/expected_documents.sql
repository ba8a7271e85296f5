-- The search document each hourly_metrics row must have, from the seed's fields and the index mapping
-- (not from the index task's code): _id and event_hour the hour in RFC 3339 UTC, the counts as JSON
-- numbers, total_amount the double nearest to the exact NUMERIC (the mapping's `double`), late_ratio as is.
SELECT to_char(m.event_hour, 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS event_hour,
       m.total_transactions::float8                         AS total_transactions,
       m.total_amount::float8                               AS total_amount,
       m.late_transactions::float8                          AS late_transactions,
       m.late_ratio
FROM hourly_metrics AS m
ORDER BY m.event_hour
