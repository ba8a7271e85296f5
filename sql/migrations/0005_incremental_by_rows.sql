-- Transformations whose cost follows the new rows, not the hours they fall in: an hour of a busy topic
-- holds millions of rows, and rebuilding it for each new batch (what changed_hours asked for) costs the
-- whole hour each time. Now the ingest records the log ranges each batch stored; run_transformations
-- cleans exactly the raw rows in those ranges (an id already clean is replaced: a displaced delivery)
-- and records what that changed per hour as deltas; refresh_views adds the deltas to hourly_metrics.
-- Counts and NUMERIC sums are exact, so an hour built from deltas equals the hour recomputed whole.
-- changed_hours stays the queue of hours to recompute whole from the raw rows (backfills).

-- The raw rows of a log range, found by position: appends at the right edge of the index, cheap to keep.
CREATE INDEX transactions_log_position_idx ON transactions (log_partition, log_offset);

-- Log ranges [first_offset, next_offset) of one partition that a batch stored and run_transformations
-- has not cleaned yet; `replaces` when the batch displaced stored rows (only then can a new row's id
-- have a clean row already). No unique key, as changed_hours: an ingest never skips its row.
CREATE TABLE changed_ranges (
  log_partition integer NOT NULL,
  first_offset  bigint  NOT NULL,
  next_offset   bigint  NOT NULL,
  replaces      boolean NOT NULL
);

-- What run_transformations changed in transactions_clean, per event hour and latency bucket, for
-- refresh_views to add to hourly_metrics and hourly_latency: a row cleaned adds one, a clean row
-- replaced or removed subtracts one.
CREATE TABLE metrics_deltas (
  event_hour     timestamp NOT NULL,
  latency_bucket integer   NOT NULL,
  transactions   bigint    NOT NULL,
  amount         numeric   NOT NULL,
  late           bigint    NOT NULL
);

-- latency_seconds on a log scale, four buckets per doubling (each spans a factor of 2^(1/4), about
-- 19 %): bucket b >= 1 holds [2^((b-1)/4), 2^(b/4)) milliseconds, 0 holds [0, 1 ms), and negative
-- latencies (the producer's clock ahead of the event's) mirror them below 0. Exact counts per bucket
-- make hourly percentiles that deltas can maintain, within half a bucket. The bucket is found among
-- literal bounds (2^(k/4) ms, k = 0 … 180: up to about 1,100 years) by width_bucket's binary search:
-- comparisons only, so PostgreSQL and PGlite agree on every boundary, and 20 times cheaper than a
-- NUMERIC logarithm per row.
CREATE FUNCTION txpipe_latency_bucket(latency_seconds numeric) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT sign(latency_seconds)::int * width_bucket(abs(latency_seconds)::float8 * 1000, ARRAY[1.0, 1.189207115002721, 1.4142135623730951, 1.681792830507429, 2.0, 2.378414230005442, 2.8284271247461903, 3.363585661014858, 4.0, 4.756828460010884, 5.656854249492381, 6.727171322029716, 8.0, 9.513656920021768, 11.313708498984761, 13.454342644059432, 16.0, 19.027313840043536, 22.627416997969522, 26.908685288118864, 32.0, 38.05462768008707, 45.254833995939045, 53.81737057623773, 64.0, 76.10925536017415, 90.50966799187809, 107.63474115247546, 128.0, 152.2185107203483, 181.01933598375618, 215.2694823049509, 256.0, 304.4370214406966, 362.03867196751236, 430.5389646099018, 512.0, 608.8740428813932, 724.0773439350247, 861.0779292198037, 1024.0, 1217.7480857627863, 1448.1546878700494, 1722.1558584396073, 2048.0, 2435.4961715255727, 2896.309375740099, 3444.3117168792146, 4096.0, 4870.992343051145, 5792.618751480198, 6888.623433758429, 8192.0, 9741.98468610229, 11585.237502960395, 13777.246867516858, 16384.0, 19483.96937220458, 23170.47500592079, 27554.493735033717, 32768.0, 38967.93874440916, 46340.95001184158, 55108.98747006743, 65536.0, 77935.87748881833, 92681.90002368316, 110217.97494013487, 131072.0, 155871.75497763665, 185363.80004736633, 220435.94988026973, 262144.0, 311743.5099552733, 370727.60009473265, 440871.89976053947, 524288.0, 623487.0199105466, 741455.2001894653, 881743.7995210789, 1048576.0, 1246974.0398210932, 1482910.4003789306, 1763487.5990421579, 2097152.0, 2493948.0796421864, 2965820.800757861, 3526975.1980843158, 4194304.0, 4987896.159284373, 5931641.601515722, 7053950.3961686315, 8388608.0, 9975792.318568746, 11863283.203031445, 14107900.792337263, 16777216.0, 19951584.63713749, 23726566.40606289, 28215801.584674526, 33554432.0, 39903169.27427498, 47453132.81212578, 56431603.16934905, 67108864.0, 79806338.54854997, 94906265.62425156, 112863206.3386981, 134217728.0, 159612677.09709993, 189812531.24850312, 225726412.6773962, 268435456.0, 319225354.19419986, 379625062.49700624, 451452825.3547924, 536870912.0, 638450708.3883997, 759250124.9940125, 902905650.7095848, 1073741824.0, 1276901416.7767994, 1518500249.988025, 1805811301.4191697, 2147483648.0, 2553802833.553599, 3037000499.97605, 3611622602.8383393, 4294967296.0, 5107605667.107198, 6074000999.9521, 7223245205.676679, 8589934592.0, 10215211334.214396, 12148001999.9042, 14446490411.353357, 17179869184.0, 20430422668.42879, 24296003999.8084, 28892980822.706715, 34359738368.0, 40860845336.85758, 48592007999.6168, 57785961645.41343, 68719476736.0, 81721690673.71516, 97184015999.2336, 115571923290.82686, 137438953472.0, 163443381347.43033, 194368031998.4672, 231143846581.65372, 274877906944.0, 326886762694.86066, 388736063996.9344, 462287693163.30743, 549755813888.0, 653773525389.7213, 777472127993.8688, 924575386326.6149, 1099511627776.0, 1307547050779.4426, 1554944255987.7375, 1849150772653.2297, 2199023255552.0, 2615094101558.8853, 3109888511975.475, 3698301545306.4595, 4398046511104.0, 5230188203117.7705, 6219777023950.95, 7396603090612.919, 8796093022208.0, 10460376406235.541, 12439554047901.9, 14793206181225.838, 17592186044416.0, 20920752812471.082, 24879108095803.8, 29586412362451.676, 35184372088832.0]::float8[])
$$;

-- The clean row of a raw row, in one place: run_transformations reads it by log range (new rows) and
-- by event hour (recomputing an hour), so both give the same rows.
CREATE VIEW transactions_clean_source AS
SELECT t.transaction_id, t.user_id, t.amount, t.currency, t.status, t.event_time, t.processing_time,
       t.event_time::date                                   AS event_date,
       date_trunc('hour', t.event_time)                     AS event_hour,
       extract(epoch FROM t.processing_time - t.event_time) AS latency_seconds,
       extract(epoch FROM t.processing_time - t.event_time) > 120 AS is_late,
       t.log_partition, t.log_offset
FROM transactions AS t;

-- Transactions per hour and latency bucket, beside hourly_metrics (whose columns stay the seed's).
CREATE TABLE hourly_latency (
  event_hour     timestamp NOT NULL,
  latency_bucket integer   NOT NULL,
  transactions   bigint    NOT NULL,
  PRIMARY KEY (event_hour, latency_bucket)
);

-- Rows ingested before this migration were cleaned by hour; their latency buckets start complete.
INSERT INTO hourly_latency (event_hour, latency_bucket, transactions)
SELECT event_hour, txpipe_latency_bucket(latency_seconds), count(*)
FROM transactions_clean
GROUP BY 1, 2;
