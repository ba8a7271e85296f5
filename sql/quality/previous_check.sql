-- When the checks last ran (any run), or NULL.
SELECT max(checked_at) AS checked_at FROM quality_results
