-- `txpipe run` processes and their continuous steps (the DAG's three tasks for exactly the new data,
-- after batches commit): counters and timings per process, for `txpipe status`, the metrics and the
-- dashboard. Not DAG runs: a step adds no row to dag_runs.
CREATE TABLE continuous_runs (
  process_id        text        PRIMARY KEY, -- host:pid
  consumer_group    text        NOT NULL,
  started_at        timestamptz NOT NULL DEFAULT now(),
  heartbeat_at      timestamptz NOT NULL DEFAULT now(),
  steps             bigint      NOT NULL DEFAULT 0,
  step_seconds      double precision NOT NULL DEFAULT 0, -- total time in steps
  last_step_at      timestamptz,
  last_step_seconds double precision,
  rows_cleaned      bigint      NOT NULL DEFAULT 0,
  documents_indexed bigint      NOT NULL DEFAULT 0,
  errors            bigint      NOT NULL DEFAULT 0,
  last_error        text,
  stopped_at        timestamptz
);
