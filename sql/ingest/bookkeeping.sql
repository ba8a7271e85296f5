-- Everything a batch records besides its raw rows, in one round trip: the event hours it touched,
-- its dead letters, its duplicates, and the partitions' new positions.
-- $1 topic, $2 group; $3 hours; $4-$7 dead letters; $8-$10 duplicates; $11-$12 positions.
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
UPDATE consumer_offsets AS o
SET next_offset = GREATEST(o.next_offset, n.next_offset), updated_at = now()
FROM unnest($11::int[], $12::bigint[]) AS n(partition, next_offset)
WHERE o.consumer_group = $2 AND o.topic = $1 AND o.partition = n.partition
