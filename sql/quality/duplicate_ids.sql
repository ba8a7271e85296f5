-- unique_transaction_id: ids of the checked hours that appear more than once in transactions_clean (in
-- any hour). The primary key already forbids it; the check proves what the documents were built from.
-- $1 hours.
SELECT count(*)::text AS n
FROM (
  SELECT c.transaction_id
  FROM transactions_clean AS c
  WHERE c.transaction_id IN (SELECT transaction_id FROM transactions_clean WHERE event_hour = ANY($1::timestamp[]))
  GROUP BY 1
  HAVING count(*) > 1
) AS d
