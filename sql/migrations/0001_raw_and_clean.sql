-- The seed's data model. Timestamps are `timestamp` (without time zone) holding UTC, as the seed's
-- TIMESTAMP columns: date_trunc and ::date on them never depend on a session's TimeZone.

-- Raw events, exactly the seed's columns. First delivery of a transaction_id wins.
CREATE TABLE transactions (
  transaction_id  uuid      PRIMARY KEY,
  user_id         uuid      NOT NULL,
  amount          numeric   NOT NULL,
  currency        text      NOT NULL,
  status          text      NOT NULL,
  event_time      timestamp NOT NULL,
  processing_time timestamp NOT NULL
);
-- Incremental transforms read one event hour at a time: a range scan on event_time.
CREATE INDEX transactions_event_time_idx ON transactions (event_time);

-- Cleaned and enriched rows, recomputed per event hour by run_transformations.
CREATE TABLE transactions_clean (
  transaction_id  uuid      PRIMARY KEY,
  user_id         uuid      NOT NULL,
  amount          numeric   NOT NULL,
  currency        text      NOT NULL,
  status          text      NOT NULL,
  event_time      timestamp NOT NULL,
  processing_time timestamp NOT NULL,
  event_date      date      NOT NULL,
  event_hour      timestamp NOT NULL,
  latency_seconds numeric   NOT NULL,
  is_late         boolean   NOT NULL
);
-- The seed's three indexes, plus event_hour: the unit every incremental step deletes and rebuilds.
CREATE INDEX transactions_clean_event_time_idx ON transactions_clean (event_time);
CREATE INDEX transactions_clean_user_id_idx ON transactions_clean (user_id);
CREATE INDEX transactions_clean_is_late_idx ON transactions_clean (is_late);
CREATE INDEX transactions_clean_event_hour_idx ON transactions_clean (event_hour);

-- The seed's analytics "view", kept as a table maintained hour by hour by refresh_views,
-- so a run costs what changed, not the table size.
CREATE TABLE hourly_metrics (
  event_hour         timestamp        PRIMARY KEY,
  total_transactions bigint           NOT NULL,
  total_amount       numeric          NOT NULL,
  late_transactions  bigint           NOT NULL,
  late_ratio         double precision NOT NULL
);
