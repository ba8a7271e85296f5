/**
 * Reading the hourly_metrics table: one row per event hour, every number as PostgreSQL's exact text
 * (total_amount is NUMERIC and must never pass through a float). `txpipe metrics hourly`, the demo and
 * the index task all read this row.
 */
import { sql } from '../sql.ts';
import { parseTimestamp } from '../events/timestamp.ts';
import type { Queryable } from '../warehouse/port.ts';

export interface HourlyMetricsRow {
  /** The hour as warehouse text, `YYYY-MM-DD HH:00:00` (UTC). */
  event_hour: string;
  total_transactions: string;
  total_amount: string;
  late_transactions: string;
  late_ratio: number;
}

export interface HourRange {
  /** First event hour (inclusive), RFC 3339; none = from the oldest hour. */
  from?: string;
  /** End (exclusive), RFC 3339; none = up to the newest hour. */
  to?: string;
}

/** The rows with event_hour in [from, to), sorted by event_hour. */
export async function readHourlyMetrics(db: Queryable, range: HourRange = {}): Promise<HourlyMetricsRow[]> {
  return db.query<HourlyMetricsRow>(sql('transform/hourly_metrics_range'), [bound('from', range.from), bound('to', range.to)]);
}

export interface HourlyLatencyRow {
  /** The hour as warehouse text, `YYYY-MM-DD HH:00:00` (UTC). */
  event_hour: string;
  /** Transactions in the hour (the count the percentiles are of). */
  transactions: number;
  p50_seconds: number;
  p95_seconds: number;
  p99_seconds: number;
}

/**
 * The latency a bucket of hourly_latency stands for (see txpipe_latency_bucket in migration 0005: four
 * buckets per doubling of milliseconds, mirrored below zero): its geometric middle, within about 9 % of
 * any latency in it; 0 for the bucket of |latency| < 1 ms.
 */
export function latencyOfBucket(bucket: number): number {
  if (bucket === 0) return 0;
  const ms = 2 ** ((Math.abs(bucket) - 0.5) / 4);
  return (Math.sign(bucket) * ms) / 1000;
}

/**
 * p50/p95/p99 of latency_seconds per event hour in [from, to), sorted by event_hour, from the bucket
 * counts kept beside hourly_metrics (whose columns stay the seed's): a percentile is the middle of the
 * bucket that holds it, so it is within about 9 % of the exact value, and costs the same for an hour of
 * a hundred rows as for one of a hundred million.
 */
export async function readHourlyLatency(db: Queryable, range: HourRange = {}): Promise<HourlyLatencyRow[]> {
  const rows = await db.query<{ event_hour: string; transactions: string; p50_bucket: number; p95_bucket: number; p99_bucket: number }>(
    sql('transform/hourly_latency_range'),
    [bound('from', range.from), bound('to', range.to)],
  );
  return rows.map((r) => ({
    event_hour: r.event_hour,
    transactions: Number(r.transactions),
    p50_seconds: latencyOfBucket(r.p50_bucket),
    p95_seconds: latencyOfBucket(r.p95_bucket),
    p99_seconds: latencyOfBucket(r.p99_bucket),
  }));
}

function bound(name: string, iso: string | undefined): string | null {
  if (iso === undefined) return null;
  const ts = parseTimestamp(iso);
  if (ts === null) throw new RangeError(`readHourlyMetrics: ${name} must be an RFC 3339 date-time, got ${JSON.stringify(iso)}`);
  return ts;
}
