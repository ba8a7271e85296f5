-- Everything a batch records besides its raw rows, in one round trip: the event hours it touched, its
-- dead letters, its duplicates, and the partitions' new positions. A position advances only where the
-- stored one has not passed the batch's first (fresh) offset; the statement returns the partitions it
-- advanced. One missing means part of an optimistic batch was applied before (a redelivery): the
-- caller rolls back and redoes the batch the careful way, which locks and reads the positions first.
-- The upsert locks each position row, so two consumers briefly owning one partition serialise here.
-- Called through src/ingest/sql/record-bookkeeping.ts, which names the parameters:
-- $1 topic, $2 group; $3 hours; $4-$7 dead letters; $8-$10 duplicates; $11-$13 positions.
WITH hours AS (
  INSERT INTO changed_hours (event_hour) SELECT unnest($3::timestamp[])
), dead AS (
  INSERT INTO dead_letters (topic, partition, "offset", payload, reason)
  SELECT $1, * FROM unnest($4::int[], $5::bigint[], $6::text[], $7::text[])
  ON CONFLICT DO NOTHING
), dupes AS (
  INSERT INTO duplicate_events (topic, partition, "offset", transaction_id)
  SELECT $1, * FROM unnest($8::int[], $9::bigint[], $10::uuid[])
  ON CONFLICT DO NOTHING
)
INSERT INTO consumer_offsets AS o (consumer_group, topic, partition, next_offset)
SELECT $2, $1, p, n FROM unnest($11::int[], $13::bigint[]) AS t(p, n)
ON CONFLICT (consumer_group, topic, partition) DO UPDATE
SET next_offset = excluded.next_offset, updated_at = now()
WHERE o.next_offset <= (SELECT f FROM unnest($11::int[], $12::bigint[]) AS b(p, f) WHERE b.p = o.partition)
RETURNING partition
