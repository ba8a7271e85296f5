-- Alerts (src/observe/alerts.ts): one row per rule and key, fired once, resolved when the condition
-- clears. The key is the event hour for late_ratio, and for freshness and dead_letter_ratio the UTC hour
-- in which the condition was first seen (an episode that lasts several hours stays one alert).
-- value and threshold are the rule's measure and limit when it fired, e.g. a late ratio of 0.2 over 0.1.
CREATE TABLE alerts (
  rule             text             NOT NULL, -- late_ratio | freshness | dead_letter_ratio
  key              text             NOT NULL, -- RFC 3339 hour, e.g. 2026-03-01T10:00:00Z
  event_hour       timestamp,                 -- late_ratio only: the hour of hourly_metrics it is about
  value            double precision NOT NULL,
  threshold        double precision NOT NULL,
  state            text             NOT NULL CHECK (state IN ('open', 'resolved')),
  fired_at         timestamptz      NOT NULL,
  resolved_at      timestamptz,
  -- The last webhook notification (fired or resolved): whether it got through, after how many tries.
  webhook_event    text,                      -- fired | resolved
  webhook_state    text,                      -- sending | delivered | failed
  webhook_attempts integer          NOT NULL DEFAULT 0,
  webhook_error    text,
  PRIMARY KEY (rule, key)
);
-- At most one open episode per process-wide rule (freshness, dead_letter_ratio), even when two
-- processes evaluate at once across an hour boundary: the second insert conflicts and fires nothing.
CREATE UNIQUE INDEX alerts_one_open_episode ON alerts (rule) WHERE state = 'open' AND event_hour IS NULL;
CREATE INDEX alerts_fired_at_idx ON alerts (fired_at DESC);

-- The dead-letter rule compares the dead letters received in the last hour with the records received
-- in it. Raw rows carry no receive time, so each evaluation samples how far the stored consumer
-- positions have advanced (their sum over partitions); the records received since a sample are the
-- advance since it. Samples older than the one that starts the hour are pruned.
CREATE TABLE alert_position_samples (
  consumer_group text        NOT NULL,
  topic          text        NOT NULL,
  taken_at       timestamptz NOT NULL,
  positions      numeric     NOT NULL, -- sum of next_offset over the group's partitions of the topic
  PRIMARY KEY (consumer_group, topic, taken_at)
);

-- The dead letters of the last hour, without reading them all.
CREATE INDEX dead_letters_received_at_idx ON dead_letters (received_at);
