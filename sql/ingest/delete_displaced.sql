-- Rows displaced by an earlier-sorting delivery of their transaction_id (the careful write found and
-- locked them with stored_winners.sql; the bookkeeping records them as duplicates and their hours as
-- changed, in the same transaction).
DELETE FROM transactions WHERE transaction_id = ANY($1::uuid[])
