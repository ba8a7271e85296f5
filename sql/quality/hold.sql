-- Whether indexing is held back: the `error` checks that failed in the latest run of the checks.
-- No row: nothing held (no checks yet, or the latest run passed its error checks).
WITH latest AS (SELECT run_id FROM quality_results ORDER BY checked_at DESC, run_id DESC LIMIT 1)
SELECT q.run_id, array_agg(q.check_name ORDER BY q.check_name) AS failed
FROM quality_results AS q JOIN latest USING (run_id)
WHERE q.status = 'fail'
GROUP BY q.run_id
