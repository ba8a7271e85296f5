SELECT DISTINCT event_hour::text AS event_hour FROM transactions_clean ORDER BY 1
