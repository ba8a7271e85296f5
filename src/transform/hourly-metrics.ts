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
  p50_seconds: number;
  p95_seconds: number;
  p99_seconds: number;
}

/** Percentiles of latency_seconds per event hour in [from, to), sorted by event_hour (kept beside hourly_metrics, whose columns stay the seed's). */
export async function readHourlyLatency(db: Queryable, range: HourRange = {}): Promise<HourlyLatencyRow[]> {
  return db.query<HourlyLatencyRow>(sql('transform/hourly_latency_range'), [bound('from', range.from), bound('to', range.to)]);
}

function bound(name: string, iso: string | undefined): string | null {
  if (iso === undefined) return null;
  const ts = parseTimestamp(iso);
  if (ts === null) throw new RangeError(`readHourlyMetrics: ${name} must be an RFC 3339 date-time, got ${JSON.stringify(iso)}`);
  return ts;
}
