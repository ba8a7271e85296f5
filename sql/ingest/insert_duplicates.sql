INSERT INTO duplicate_events (topic, partition, "offset", transaction_id)
SELECT $1, * FROM unnest($2::int[], $3::bigint[], $4::uuid[])
ON CONFLICT DO NOTHING
