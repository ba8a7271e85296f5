-- Event schema versions and dead-letter replay.

-- schema_version 2 events may name their merchant; version 1 rows have none. Only in the raw table:
-- transactions_clean, hourly_metrics and the search documents keep the seed's columns.
ALTER TABLE transactions ADD COLUMN merchant_id text;

-- A dead letter's record timestamp (ms since the epoch, as transactions.log_timestamp_ms): with its
-- partition and offset the order key that decides, when a replay makes it a valid event, whether it
-- wins against other deliveries of its transaction_id. Letters stored before this migration get it
-- from the embedded log where that still holds the record (its append time is the record timestamp,
-- as sql/log/read.sql reads it); the others (Kafka) keep NULL, and replay uses their received_at, the
-- time the ingest stored them, which no record timestamp of theirs can follow but by clock skew.
ALTER TABLE dead_letters ADD COLUMN log_timestamp_ms bigint;
UPDATE dead_letters AS d
SET log_timestamp_ms = floor(extract(epoch FROM l.appended_at) * 1000)::bigint
FROM txpipe_log AS l
WHERE l.topic = d.topic AND d.partition = 0 AND l."offset" = d."offset";

-- `txpipe dead-letters replay`: one row per replay (dry runs are not recorded), with what it found.
CREATE TABLE dead_letter_replays (
  replay_id      bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  topic          text        NOT NULL,
  reason_filter  text,                  -- --reason, or NULL for every dead letter of the topic
  replayed_at    timestamptz NOT NULL DEFAULT now(),
  examined       integer     NOT NULL,  -- dead letters read (skipped ones included)
  rows_inserted  integer     NOT NULL,  -- now valid, and the first delivery of their id: raw rows
  displaced      integer     NOT NULL,  -- of those, how many displaced a stored row (which became a duplicate)
  duplicates     integer     NOT NULL,  -- now valid, but an earlier delivery of their id wins
  still_invalid  integer     NOT NULL,  -- invalid under the current rules too: left as dead letters
  skipped        integer     NOT NULL   -- can never be valid (too large, not text): left without validating
);

-- Each dead letter a replay examined and what became of it. A letter that became a row or a duplicate
-- is gone from dead_letters: its payload, reason and times are kept here.
CREATE TABLE replayed_dead_letters (
  replay_id        bigint      NOT NULL REFERENCES dead_letter_replays (replay_id),
  topic            text        NOT NULL,
  partition        integer     NOT NULL,
  "offset"         bigint      NOT NULL,
  outcome          text        NOT NULL CHECK (outcome IN ('row', 'duplicate', 'still-invalid', 'skipped')),
  transaction_id   uuid,                  -- row and duplicate
  reason           text        NOT NULL,  -- why it was a dead letter
  current_reason   text,                  -- still-invalid and skipped: why it still is one
  payload          bytea,                 -- row and duplicate: the letter's payload
  log_timestamp_ms bigint,                -- the order key's timestamp the replay used
  received_at      timestamptz NOT NULL,  -- when the ingest stored the dead letter
  PRIMARY KEY (replay_id, topic, partition, "offset")
);
CREATE INDEX replayed_dead_letters_position_idx ON replayed_dead_letters (topic, partition, "offset");
