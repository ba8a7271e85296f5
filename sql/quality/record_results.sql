-- Stores one run's results, one row per check; a retried task overwrites its run's rows.
-- $1 run id, $2 hours checked, $3.. parallel arrays: name, severity, status, observed, threshold, detail.
INSERT INTO quality_results (run_id, check_name, severity, status, observed, threshold, detail, hours, checked_at)
SELECT $1, r.check_name, r.severity, r.status, r.observed, r.threshold, r.detail, $2, now()
FROM unnest($3::text[], $4::text[], $5::text[], $6::float8[], $7::text[], $8::text[])
  AS r(check_name, severity, status, observed, threshold, detail)
ON CONFLICT (run_id, check_name) DO UPDATE
SET severity = excluded.severity, status = excluded.status, observed = excluded.observed,
    threshold = excluded.threshold, detail = excluded.detail, hours = excluded.hours, checked_at = excluded.checked_at
