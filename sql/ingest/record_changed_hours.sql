INSERT INTO changed_hours (event_hour) SELECT unnest($1::timestamp[])
