-- The row-level checks in one pass over the checked hours of transactions_clean (an index range scan
-- per hour, so the cost follows the hours a run touched): nulls per seed column, values outside the
-- accepted lists, amounts and latencies outside their ranges, with up to five offending values each.
-- $1 hours, $2 accepted currencies, $3 accepted statuses, $4/$5 amount min/max, $6/$7 latency min/max (s).
SELECT count(*)::text AS rows,
       count(*) FILTER (WHERE transaction_id IS NULL)::text AS null_transaction_id,
       count(*) FILTER (WHERE user_id IS NULL)::text AS null_user_id,
       count(*) FILTER (WHERE amount IS NULL)::text AS null_amount,
       count(*) FILTER (WHERE currency IS NULL)::text AS null_currency,
       count(*) FILTER (WHERE status IS NULL)::text AS null_status,
       count(*) FILTER (WHERE event_time IS NULL)::text AS null_event_time,
       count(*) FILTER (WHERE processing_time IS NULL)::text AS null_processing_time,
       count(*) FILTER (WHERE status <> ALL ($3::text[]))::text AS bad_status,
       (array_agg(DISTINCT status) FILTER (WHERE status <> ALL ($3::text[])))[1:5] AS bad_status_sample,
       count(*) FILTER (WHERE currency <> ALL ($2::text[]))::text AS bad_currency,
       (array_agg(DISTINCT currency) FILTER (WHERE currency <> ALL ($2::text[])))[1:5] AS bad_currency_sample,
       count(*) FILTER (WHERE amount < $4::numeric OR amount > $5::numeric)::text AS bad_amount,
       min(amount)::text AS min_amount,
       max(amount)::text AS max_amount,
       count(*) FILTER (WHERE latency_seconds < $6::numeric OR latency_seconds > $7::numeric)::text AS bad_latency,
       count(*) FILTER (WHERE latency_seconds < 0)::text AS negative_latency,
       min(latency_seconds)::text AS min_latency,
       max(latency_seconds)::text AS max_latency
FROM transactions_clean
WHERE event_hour = ANY($1::timestamp[])
