-- unique_transaction_id: ids of the checked hours that appear more than once in transactions_clean (in
-- any hour). While a valid unique index on transaction_id alone holds (the primary key, migration 0001)
-- the database itself guarantees none, and the answer is read from the catalog: counting would scan the
-- whole table (its cost grew with the table, 0.35 s of a 0.5 s DAG run at a million rows). Without such
-- an index (dropped, or invalid after a failed rebuild) the ids are counted. $1 hours.
SELECT CASE
         WHEN EXISTS (
           SELECT 1
           FROM pg_index AS i
           JOIN pg_attribute AS a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
           WHERE i.indrelid = 'transactions_clean'::regclass
             AND i.indisunique AND i.indisvalid AND i.indnkeyatts = 1 AND i.indpred IS NULL
             AND a.attname = 'transaction_id'
         ) THEN '0'
         ELSE (
           SELECT count(*)::text
           FROM (
             SELECT c.transaction_id
             FROM transactions_clean AS c
             WHERE c.transaction_id IN (SELECT transaction_id FROM transactions_clean WHERE event_hour = ANY($1::timestamp[]))
             GROUP BY 1
             HAVING count(*) > 1
           ) AS d
         )
       END AS n
