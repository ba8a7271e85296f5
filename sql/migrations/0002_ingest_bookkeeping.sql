-- What ingest records beside the raw rows, in the same transaction.

-- The embedded topic: a durable, append-only log used when no Kafka is configured.
CREATE TABLE txpipe_log (
  topic       text      NOT NULL,
  "offset"    bigint    GENERATED ALWAYS AS IDENTITY,
  appended_at timestamp NOT NULL,
  payload     text      NOT NULL,
  PRIMARY KEY (topic, "offset")
);

-- Consumer positions, per group and partition: the source of truth for exactly-once.
-- Written in the ingest transaction; records below next_offset are never applied again.
CREATE TABLE consumer_offsets (
  consumer_group text        NOT NULL,
  topic          text        NOT NULL,
  partition      integer     NOT NULL,
  next_offset    bigint      NOT NULL,
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer_group, topic, partition)
);

-- Messages that are not valid events: kept whole, with the reason and where they came from.
CREATE TABLE dead_letters (
  topic       text        NOT NULL,
  partition   integer     NOT NULL,
  "offset"    bigint      NOT NULL,
  payload     text        NOT NULL,
  reason      text        NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (topic, partition, "offset")
);

-- Later deliveries of a transaction_id already stored: counted, never applied.
CREATE TABLE duplicate_events (
  topic          text        NOT NULL,
  partition      integer     NOT NULL,
  "offset"       bigint      NOT NULL,
  transaction_id uuid        NOT NULL,
  received_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (topic, partition, "offset")
);

-- Event hours touched by ingest since run_transformations last took them.
-- No unique key on purpose: an ingest transaction must never skip its row because a row for the same
-- hour is already there (the DAG may be deleting it concurrently); the DAG reads DISTINCT.
CREATE TABLE changed_hours (
  event_hour timestamp NOT NULL
);

-- Hours run_transformations rebuilt and refresh_views has not aggregated yet.
CREATE TABLE metrics_pending_hours (
  event_hour timestamp PRIMARY KEY
);

-- Hours whose hourly_metrics row changed and is not yet in the search index.
CREATE TABLE index_pending_hours (
  event_hour timestamp PRIMARY KEY
);
