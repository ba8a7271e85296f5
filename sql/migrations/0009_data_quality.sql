-- Data-quality checks (src/quality, the DAG task check_data_quality).
-- The hours whose data changed since they were last checked: refresh_views queues every hour whose
-- metrics it changed (in DAG runs and in txpipe run's continuous steps alike), check_data_quality
-- checks them and takes them off when no `error` check failed. An hour that failed stays queued, so the
-- next run checks it again and indexing stays held back until the data or the settings are fixed.
CREATE TABLE quality_pending_hours (
  event_hour timestamp PRIMARY KEY
);

-- One row per run and check: what was observed against which threshold. `status` is pass, or, when the
-- check failed, warn or fail after its severity. `hours` is how many event hours the run checked.
CREATE TABLE quality_results (
  run_id     text             NOT NULL,
  check_name text             NOT NULL,
  severity   text             NOT NULL CHECK (severity IN ('warn', 'error')),
  status     text             NOT NULL CHECK (status IN ('pass', 'warn', 'fail')),
  observed   double precision,
  threshold  text             NOT NULL,
  detail     text,
  hours      integer          NOT NULL,
  checked_at timestamptz      NOT NULL,
  PRIMARY KEY (run_id, check_name)
);
CREATE INDEX quality_results_checked_at_idx ON quality_results (checked_at DESC);
