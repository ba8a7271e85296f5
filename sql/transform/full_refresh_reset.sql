-- --full-refresh starts from nothing: every queue is taken, since every row is cleaned again.
TRUNCATE transactions_clean;
DELETE FROM changed_ranges;
DELETE FROM changed_hours;
DELETE FROM metrics_deltas;
