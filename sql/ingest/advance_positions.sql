UPDATE consumer_offsets AS o
SET next_offset = GREATEST(o.next_offset, n.next_offset), updated_at = now()
FROM unnest($3::int[], $4::bigint[]) AS n(partition, next_offset)
WHERE o.consumer_group = $1 AND o.topic = $2 AND o.partition = n.partition
