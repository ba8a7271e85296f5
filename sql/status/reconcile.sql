-- What the pipeline did with the records consumed from one topic: raw rows, dead letters, duplicates.
-- (Raw rows carry no topic: with several topics feeding one database the raw count is their sum.)
SELECT (SELECT count(*) FROM transactions)::text                       AS raw_transactions,
       (SELECT count(*) FROM dead_letters WHERE topic = $1)::text     AS dead_letters,
       (SELECT count(*) FROM duplicate_events WHERE topic = $1)::text AS duplicates
