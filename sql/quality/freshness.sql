-- freshness: how old the newest event of transactions_clean is (its event_time index: one row read).
-- NULL without rows. Timestamps hold UTC (migration 0001).
SELECT extract(epoch FROM (now() AT TIME ZONE 'UTC') - max(event_time))::float8 AS age_seconds,
       max(event_time)::text AS newest
FROM transactions_clean
