-- For the rest of the transaction: no sort-based plans, so log/read walks the primary key in order.
SELECT set_config('enable_sort', 'off', true);
