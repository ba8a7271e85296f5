-- The stored deliveries of some transaction_ids, with their order keys (NULL keys: rows from before
-- migration 0004, which always keep their place) and event hours, locked until the transaction ends:
-- the careful write compares each new delivery with them and may displace one, and no other writer may
-- replace a row between that comparison and the displacement. Locked in id order, so two writers
-- meeting the same ids queue instead of deadlocking.
SELECT transaction_id::text AS transaction_id,
       log_timestamp_ms::float8 AS log_timestamp_ms,
       log_partition,
       log_offset::text AS log_offset,
       (extract(epoch FROM date_trunc('hour', event_time)) / 3600)::float8 AS epoch_hour
FROM transactions
WHERE transaction_id = ANY($1::uuid[])
ORDER BY transaction_id
FOR UPDATE
