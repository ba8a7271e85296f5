SELECT (SELECT count(*) FROM transactions)::text          AS raw_transactions,
       (SELECT count(*) FROM transactions_clean)::text    AS clean_transactions,
       (SELECT count(*) FROM hourly_metrics)::text        AS hourly_metrics,
       (SELECT count(*) FROM dead_letters)::text          AS dead_letters,
       (SELECT count(*) FROM duplicate_events)::text      AS duplicates,
       (SELECT count(DISTINCT event_hour) FROM changed_hours)::text AS changed_hours_pending,
       (SELECT count(*) FROM metrics_pending_hours)::text AS metrics_hours_pending,
       (SELECT count(*) FROM index_pending_hours)::text   AS index_hours_pending
