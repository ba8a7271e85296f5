-- A replay's record, its counts filled in by replay_finish.sql in the same transaction. $1 topic, $2 reason filter.
INSERT INTO dead_letter_replays (topic, reason_filter, examined, rows_inserted, displaced, duplicates, still_invalid, skipped)
VALUES ($1, $2, 0, 0, 0, 0, 0, 0)
RETURNING replay_id::text AS replay_id
