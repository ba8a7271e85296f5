DELETE FROM transactions_clean WHERE event_hour = ANY($1::timestamp[])
