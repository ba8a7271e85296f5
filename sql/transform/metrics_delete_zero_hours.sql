-- Hours whose deltas brought them to no transactions (every row moved to another hour) lose their
-- metrics row and their latency buckets; returns them (their documents are removed from the index).
WITH zero_buckets AS (
  DELETE FROM hourly_latency WHERE event_hour = ANY ($1::timestamp[]) AND transactions = 0
)
DELETE FROM hourly_metrics WHERE event_hour = ANY ($1::timestamp[]) AND total_transactions = 0
RETURNING event_hour::text AS event_hour
