-- Counts for `txpipe status`. Pending work: the hours run_transformations still has to touch (raw rows in
-- log ranges not cleaned yet, and hours queued for a recompute), the hours refresh_views still has to
-- update, and the hours not in the search index yet.
WITH pending_rows AS (
  SELECT date_trunc('hour', t.event_time) AS event_hour
  FROM changed_ranges AS r
  JOIN transactions AS t ON t.log_partition = r.log_partition AND t.log_offset >= r.first_offset AND t.log_offset < r.next_offset
)
SELECT (SELECT count(*) FROM transactions)::text          AS raw_transactions,
       (SELECT count(*) FROM transactions_clean)::text    AS clean_transactions,
       (SELECT count(*) FROM hourly_metrics)::text        AS hourly_metrics,
       (SELECT count(*) FROM dead_letters)::text          AS dead_letters,
       (SELECT count(*) FROM duplicate_events)::text      AS duplicates,
       (SELECT count(*) FROM (SELECT event_hour FROM changed_hours UNION SELECT event_hour FROM pending_rows) AS h)::text AS changed_hours_pending,
       (SELECT count(*) FROM (SELECT event_hour FROM metrics_pending_hours UNION SELECT event_hour FROM metrics_deltas) AS h)::text AS metrics_hours_pending,
       (SELECT count(*) FROM index_pending_hours)::text   AS index_hours_pending
