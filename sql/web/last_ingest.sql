-- When the ingest last advanced a position of this group on this topic (the batch's commit time):
-- with a lag above zero, an old value means the ingest is stuck or not running.
SELECT max(updated_at) AS last_ingest_at
FROM consumer_offsets
WHERE consumer_group = $1 AND topic = $2
