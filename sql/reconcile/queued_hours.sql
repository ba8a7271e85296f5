-- The hours each check leaves to the DAG: queued, not processed yet, so not differences.
SELECT (SELECT count(DISTINCT event_hour) FROM changed_hours)::int AS transactions_clean,
       (SELECT count(*) FROM metrics_pending_hours)::int          AS hourly_metrics,
       (SELECT count(*) FROM index_pending_hours)::int            AS search_documents
