-- Locks this batch's partitions: two consumers briefly owning one partition (a rebalance) serialise here.
SELECT partition, next_offset::text AS next_offset
FROM consumer_offsets
WHERE consumer_group = $1 AND topic = $2 AND partition = ANY($3::int[])
FOR UPDATE
