-- A backfill queues its hours for run_transformations, as ingest does for the hours it touched.
INSERT INTO changed_hours (event_hour) SELECT unnest($1::timestamp[])
