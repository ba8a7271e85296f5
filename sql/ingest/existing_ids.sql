-- Which of a batch's transaction_ids are already stored: those are duplicates (first delivery wins).
SELECT transaction_id::text AS transaction_id FROM transactions WHERE transaction_id = ANY($1::uuid[])
