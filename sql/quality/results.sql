-- One run's results ($1), or the latest run's when $1 is NULL.
SELECT run_id, check_name, severity, status, observed, threshold, detail, hours, checked_at
FROM quality_results
WHERE run_id = coalesce($1::text, (SELECT run_id FROM quality_results ORDER BY checked_at DESC, run_id DESC LIMIT 1))
