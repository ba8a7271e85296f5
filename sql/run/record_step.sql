-- One continuous step's counters for its process ($1), added to what it recorded before.
-- $2 group, $3 seconds, $4 rows cleaned, $5 documents indexed, $6 error (null when the step worked).
INSERT INTO continuous_runs AS r (process_id, consumer_group, steps, step_seconds, last_step_at, last_step_seconds,
                                  rows_cleaned, documents_indexed, errors, last_error)
VALUES ($1, $2, 1, $3, now(), $3, $4, $5, CASE WHEN $6::text IS NULL THEN 0 ELSE 1 END, $6)
ON CONFLICT (process_id) DO UPDATE
SET heartbeat_at = now(),
    steps = r.steps + 1,
    step_seconds = r.step_seconds + $3,
    last_step_at = now(),
    last_step_seconds = $3,
    rows_cleaned = r.rows_cleaned + $4,
    documents_indexed = r.documents_indexed + $5,
    errors = r.errors + CASE WHEN $6::text IS NULL THEN 0 ELSE 1 END,
    last_error = coalesce($6, r.last_error),
    stopped_at = NULL
