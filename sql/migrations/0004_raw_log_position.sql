-- Where each raw row came from in the log: partition, offset and the record's timestamp (ms since the
-- epoch, as its producer set it: Kafka CreateTime, the embedded log's append time). Together they are
-- the total order that decides which delivery of a transaction_id wins: the earliest by
-- (log_timestamp_ms, log_partition, log_offset), whatever order the partitions were read in. A later
-- delivery that sorts before the stored row replaces it, and the stored row's position goes to
-- duplicate_events.
-- NULL only on rows ingested before this migration: they were first deliveries under the earlier rule
-- and keep their place (they sort before any delivery).
ALTER TABLE transactions
  ADD COLUMN log_partition    integer,
  ADD COLUMN log_offset       bigint,
  ADD COLUMN log_timestamp_ms bigint;
