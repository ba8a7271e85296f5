-- A replay's counts. $1 replay id, $2 examined, $3 rows, $4 displaced, $5 duplicates, $6 still invalid, $7 skipped.
UPDATE dead_letter_replays
SET examined = $2, rows_inserted = $3, displaced = $4, duplicates = $5, still_invalid = $6, skipped = $7
WHERE replay_id = $1::bigint
