-- The dead-letter rule's window: the records received since the sample of the consumer positions that
-- starts the last hour (the newest one at least an hour old, else the oldest there is), and the dead
-- letters received in that time. Raw rows have no receive time, so records are counted by how far the
-- stored positions advanced: every record below a position is a raw row, a dead letter or a duplicate.
-- The statement also stores this evaluation's sample, and prunes the samples older than the window.
-- No sample yet (the first evaluation): since, records and dead_letters are NULL. A partition first
-- ingested after the window's start counts from offset 0, not from its log's first offset: the first
-- window of a new consumer group on a trimmed topic counts too many records, and its ratio errs low.
-- $1 consumer group, $2 topic, $3 now (NULL = the database's clock)
WITH clock AS (
  SELECT coalesce($3::timestamptz, now()) AS t
), stored AS (
  SELECT coalesce(sum(o.next_offset), 0)::numeric AS positions
  FROM consumer_offsets AS o
  WHERE o.consumer_group = $1 AND o.topic = $2
), hour_old AS (
  SELECT s.taken_at, s.positions
  FROM alert_position_samples AS s, clock
  WHERE s.consumer_group = $1 AND s.topic = $2 AND s.taken_at <= clock.t - interval '1 hour'
  ORDER BY s.taken_at DESC
  LIMIT 1
), oldest AS (
  SELECT s.taken_at, s.positions
  FROM alert_position_samples AS s, clock
  WHERE s.consumer_group = $1 AND s.topic = $2 AND s.taken_at <= clock.t
  ORDER BY s.taken_at
  LIMIT 1
), base AS (
  SELECT * FROM hour_old
  UNION ALL
  SELECT * FROM oldest WHERE NOT EXISTS (SELECT 1 FROM hour_old)
), sampled AS (
  INSERT INTO alert_position_samples (consumer_group, topic, taken_at, positions)
  SELECT $1, $2, clock.t, stored.positions FROM clock, stored
  ON CONFLICT DO NOTHING
), pruned AS (
  DELETE FROM alert_position_samples AS s
  WHERE s.consumer_group = $1 AND s.topic = $2 AND s.taken_at < (SELECT taken_at FROM hour_old)
)
SELECT base.taken_at AS since,
       (stored.positions - base.positions)::text AS records,
       (SELECT count(*) FROM dead_letters AS d, clock
        WHERE d.topic = $2 AND d.received_at > base.taken_at AND d.received_at <= clock.t)::text AS dead_letters
FROM stored LEFT JOIN base ON true
