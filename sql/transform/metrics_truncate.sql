TRUNCATE hourly_metrics, hourly_latency;
DELETE FROM metrics_deltas;
