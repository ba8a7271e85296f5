-- refresh_views for a set of event hours: re-aggregates each hour from transactions_clean and returns
-- the hours whose metrics really changed (those, and only those, go to the search index).
INSERT INTO hourly_metrics AS m (event_hour, total_transactions, total_amount, late_transactions, late_ratio)
SELECT c.event_hour,
       count(*),
       trim_scale(sum(c.amount)), -- one spelling of each value, as the deltas write it
       count(*) FILTER (WHERE c.is_late),
       (count(*) FILTER (WHERE c.is_late))::float8 / count(*)
FROM transactions_clean AS c
WHERE c.event_hour = ANY($1::timestamp[])
GROUP BY c.event_hour
ON CONFLICT (event_hour) DO UPDATE
SET total_transactions = EXCLUDED.total_transactions,
    total_amount       = EXCLUDED.total_amount,
    late_transactions  = EXCLUDED.late_transactions,
    late_ratio         = EXCLUDED.late_ratio
WHERE (m.total_transactions, m.total_amount, m.late_transactions, m.late_ratio)
      IS DISTINCT FROM
      (EXCLUDED.total_transactions, EXCLUDED.total_amount, EXCLUDED.late_transactions, EXCLUDED.late_ratio)
RETURNING event_hour::text AS event_hour
