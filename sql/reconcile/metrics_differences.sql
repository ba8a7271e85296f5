-- hourly_metrics against transactions_clean, hour by hour: the first $1 differences and how many there
-- are. The expected row is the seed's aggregate, written here and not taken from refresh_views' SQL:
-- the hour's clean rows counted, their amounts summed exactly (NUMERIC, compared by value), the late
-- ones counted, and late_ratio = late / total in double precision. An hour with no clean rows has no
-- metrics row. Hours refresh_views has still to update (metrics_pending_hours, metrics_deltas) are not
-- compared.
WITH expected AS (
  SELECT c.event_hour,
         count(*)                                   AS total_transactions,
         sum(c.amount)                              AS total_amount,
         sum(CASE WHEN c.is_late THEN 1 ELSE 0 END) AS late_transactions
  FROM transactions_clean AS c
  GROUP BY c.event_hour
)
SELECT coalesce(e.event_hour, m.event_hour)::text AS event_hour,
       CASE WHEN m.event_hour IS NULL THEN 'missing'
            WHEN e.event_hour IS NULL THEN 'unexpected'
            ELSE 'mismatch' END                    AS kind,
       d.columns,
       CASE WHEN e.event_hour IS NOT NULL THEN jsonb_build_object(
         'total_transactions', e.total_transactions, 'total_amount', e.total_amount::text,
         'late_transactions', e.late_transactions, 'late_ratio', r.late_ratio) END AS expected,
       CASE WHEN m.event_hour IS NOT NULL THEN jsonb_build_object(
         'total_transactions', m.total_transactions, 'total_amount', m.total_amount::text,
         'late_transactions', m.late_transactions, 'late_ratio', m.late_ratio) END AS found,
       count(*) OVER ()::int                       AS total
FROM expected AS e
FULL JOIN hourly_metrics AS m ON m.event_hour = e.event_hour
CROSS JOIN LATERAL (SELECT e.late_transactions::float8 / e.total_transactions::float8 AS late_ratio) AS r
CROSS JOIN LATERAL (
  SELECT array_remove(ARRAY[
    CASE WHEN e.total_transactions IS DISTINCT FROM m.total_transactions THEN 'total_transactions' END,
    CASE WHEN e.total_amount IS DISTINCT FROM m.total_amount THEN 'total_amount' END,
    CASE WHEN e.late_transactions IS DISTINCT FROM m.late_transactions THEN 'late_transactions' END,
    CASE WHEN r.late_ratio IS DISTINCT FROM m.late_ratio THEN 'late_ratio' END
  ], NULL) AS columns
) AS d
WHERE (e.event_hour IS NULL OR m.event_hour IS NULL OR cardinality(d.columns) > 0)
  AND NOT EXISTS (SELECT 1 FROM metrics_pending_hours AS q WHERE q.event_hour = coalesce(e.event_hour, m.event_hour))
  AND NOT EXISTS (SELECT 1 FROM metrics_deltas AS q WHERE q.event_hour = coalesce(e.event_hour, m.event_hour))
ORDER BY 1
LIMIT $1
