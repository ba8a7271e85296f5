-- The hours each check leaves to the DAG: queued, not processed yet, so not differences: for transactions_clean the hours run_transformations
-- has still to touch (as in clean_differences.sql), for hourly_metrics those refresh_views has still to update.
WITH pending_clean AS (
  SELECT DISTINCT event_hour FROM changed_hours
  UNION
  SELECT date_trunc('hour', t.event_time) FROM changed_ranges AS r
  JOIN transactions AS t ON t.log_partition = r.log_partition AND t.log_offset >= r.first_offset AND t.log_offset < r.next_offset
  UNION
  SELECT c.event_hour FROM changed_ranges AS r
  JOIN transactions AS t ON t.log_partition = r.log_partition AND t.log_offset >= r.first_offset AND t.log_offset < r.next_offset
  JOIN transactions_clean AS c ON c.transaction_id = t.transaction_id
)
SELECT (SELECT count(*) FROM pending_clean)::int AS transactions_clean,
       (SELECT count(*) FROM (SELECT event_hour FROM metrics_pending_hours UNION SELECT event_hour FROM metrics_deltas) AS h)::int AS hourly_metrics,
       (SELECT count(*) FROM index_pending_hours)::int AS search_documents
