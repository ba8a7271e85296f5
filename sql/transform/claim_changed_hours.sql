-- Takes the hours queued to be recomputed whole from the raw rows (backfills). Only committed rows are deleted; a row committed later stays for the
-- next run, so no hour is ever lost between ingest and the DAG.
WITH claimed AS (DELETE FROM changed_hours RETURNING event_hour)
SELECT DISTINCT event_hour::text AS event_hour FROM claimed ORDER BY 1
