SELECT count(*)::text AS n FROM transactions_clean
