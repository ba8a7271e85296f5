-- Locks this batch's partitions' positions and returns them, in one statement: a missing row is created
-- at 0, an existing one is "updated" to itself, which locks it. Two consumers briefly owning one
-- partition (a rebalance) serialise here, and the second sees the first one's committed position.
INSERT INTO consumer_offsets AS o (consumer_group, topic, partition, next_offset)
SELECT $1, $2, p, 0 FROM unnest($3::int[]) AS p
ON CONFLICT (consumer_group, topic, partition) DO UPDATE SET next_offset = o.next_offset
RETURNING partition, next_offset::text AS next_offset
