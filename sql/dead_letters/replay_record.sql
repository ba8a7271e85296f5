-- What a replay did with some dead letters, in one statement: each letter's outcome recorded (with the
-- payload of those that leave), the ones that became a raw row or a duplicate deleted from dead_letters
-- (so reconcile counts each record once, and a second replay finds nothing to do), the duplicates
-- counted (new ones, and stored rows a replayed letter displaced), and each new raw row's log position
-- queued as a one-record range for run_transformations (replacing: it displaced a stored row, whose
-- clean row the run removes). Every CTE sees the dead letters as they were before the statement.
-- $1 replay id, $2 topic; $3-$8 per letter: partition, offset, outcome, transaction_id, current
-- reason, log timestamp; $9-$11 duplicates; $12-$14 new rows: partition, offset, replacing.
WITH items AS (
  INSERT INTO replayed_dead_letters (replay_id, topic, partition, "offset", outcome, transaction_id, reason, current_reason, payload,
                                     log_timestamp_ms, received_at)
  SELECT $1::bigint, d.topic, d.partition, d."offset", u.outcome, u.transaction_id, d.reason, u.current_reason,
         CASE WHEN u.outcome IN ('row', 'duplicate') THEN d.payload END,
         u.ts, d.received_at
  FROM unnest($3::int[], $4::bigint[], $5::text[], $6::uuid[], $7::text[], $8::bigint[]) AS u(p, o, outcome, transaction_id, current_reason, ts)
  JOIN dead_letters AS d ON d.topic = $2 AND d.partition = u.p AND d."offset" = u.o
), gone AS (
  DELETE FROM dead_letters AS d
  USING unnest($3::int[], $4::bigint[], $5::text[]) AS u(p, o, outcome)
  WHERE d.topic = $2 AND d.partition = u.p AND d."offset" = u.o AND u.outcome IN ('row', 'duplicate')
), dupes AS (
  INSERT INTO duplicate_events (topic, partition, "offset", transaction_id)
  SELECT $2, * FROM unnest($9::int[], $10::bigint[], $11::uuid[])
  ON CONFLICT DO NOTHING
)
INSERT INTO changed_ranges (log_partition, first_offset, next_offset, replaces)
SELECT p, o, o + 1, r FROM unnest($12::int[], $13::bigint[], $14::boolean[]) AS t(p, o, r)
