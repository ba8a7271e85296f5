-- Everything a batch records besides its raw rows, in one round trip: the log ranges it stored (for
-- run_transformations), its dead letters, its duplicates, and the partitions' new positions. A position
-- advances only where the stored one has not passed the batch's first (fresh) offset; the statement
-- returns the partitions it advanced. One missing means part of an optimistic batch was applied before
-- (a redelivery): the caller rolls back and redoes the batch the careful way, which locks and reads the
-- positions first. The upsert locks each position row, so two consumers briefly owning one partition
-- serialise here.
-- Called through src/ingest/sql/record-bookkeeping.ts, which names the parameters:
-- $1 topic, $2 group; $3-$6, $14-$15 and $16 dead letters (payload and SHA-256 as hex text, size, record
-- timestamp); $7-$9 duplicates; $10-$12 positions (also the ranges stored); $13 whether the batch
-- displaced stored rows.
WITH ranges AS (
  INSERT INTO changed_ranges (log_partition, first_offset, next_offset, replaces)
  SELECT p, f, n, $13::boolean FROM unnest($10::int[], $11::bigint[], $12::bigint[]) AS r(p, f, n)
), dead AS (
  INSERT INTO dead_letters (topic, partition, "offset", payload, reason, payload_size, payload_sha256, log_timestamp_ms)
  SELECT $1, p, o, decode(h, 'hex'), r, n, decode(s, 'hex'), t
  FROM unnest($3::int[], $4::bigint[], $5::text[], $6::text[], $14::bigint[], $15::text[], $16::bigint[]) AS d(p, o, h, r, n, s, t)
  ON CONFLICT DO NOTHING
), dupes AS (
  INSERT INTO duplicate_events (topic, partition, "offset", transaction_id)
  SELECT $1, * FROM unnest($7::int[], $8::bigint[], $9::uuid[])
  ON CONFLICT DO NOTHING
)
INSERT INTO consumer_offsets AS o (consumer_group, topic, partition, next_offset)
SELECT $2, $1, p, n FROM unnest($10::int[], $12::bigint[]) AS t(p, n)
ON CONFLICT (consumer_group, topic, partition) DO UPDATE
SET next_offset = excluded.next_offset, updated_at = now()
WHERE o.next_offset <= (SELECT f FROM unnest($10::int[], $11::bigint[]) AS b(p, f) WHERE b.p = o.partition)
RETURNING partition
