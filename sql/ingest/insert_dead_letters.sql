INSERT INTO dead_letters (topic, partition, "offset", payload, reason)
SELECT $1, * FROM unnest($2::int[], $3::bigint[], $4::text[], $5::text[])
ON CONFLICT DO NOTHING
