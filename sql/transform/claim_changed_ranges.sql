-- Takes the log ranges ingest stored since the last run, merged per partition where they overlap or
-- touch (batches follow each other: usually one range per partition); a merged range `replaces` when any
-- of its parts does. Only committed rows are deleted;
-- a range committed later stays for the next run, so no row is ever lost between ingest and the DAG.
WITH claimed AS (
  DELETE FROM changed_ranges RETURNING log_partition, first_offset, next_offset, replaces
), ordered AS (
  SELECT *, max(next_offset) OVER (PARTITION BY log_partition ORDER BY first_offset, next_offset
                                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
  FROM claimed
), islands AS (
  SELECT *, count(*) FILTER (WHERE reach IS NULL OR first_offset > reach)
              OVER (PARTITION BY log_partition ORDER BY first_offset, next_offset) AS island
  FROM ordered
)
SELECT log_partition, min(first_offset)::text AS first_offset, max(next_offset)::text AS next_offset, bool_or(replaces) AS replaces
FROM islands
GROUP BY log_partition, island
ORDER BY 1, 2
