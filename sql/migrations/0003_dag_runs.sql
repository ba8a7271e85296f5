-- Run history of the DAG process_kafka_to_postgres, for `txpipe dag runs`, status and the dashboard.
CREATE TABLE dag_runs (
  run_id            text        PRIMARY KEY,
  dag_id            text        NOT NULL,
  logical_date      timestamptz NOT NULL,
  data_interval_end timestamptz,
  run_type          text        NOT NULL, -- scheduled | manual | backfill | airflow
  full_refresh      boolean     NOT NULL DEFAULT false,
  state             text        NOT NULL, -- running | success | failed
  started_at        timestamptz NOT NULL DEFAULT now(),
  ended_at          timestamptz,
  error             text
);
CREATE INDEX dag_runs_started_at_idx ON dag_runs (started_at DESC);

CREATE TABLE task_runs (
  run_id     text        NOT NULL REFERENCES dag_runs (run_id) ON DELETE CASCADE,
  task_id    text        NOT NULL,
  try_number integer     NOT NULL,
  state      text        NOT NULL, -- running | success | failed | skipped
  started_at timestamptz NOT NULL DEFAULT now(),
  ended_at   timestamptz,
  error      text,
  summary    jsonb,
  PRIMARY KEY (run_id, task_id, try_number)
);
