/**
 * The JSON of the hourly tables, both ways: what `/api/hourly-metrics` and `txpipe metrics hourly
 * --format json` print (one implementation), what `/api/hourly-latency` prints, and the rows read back
 * from that JSON by a command that asks the process holding the embedded data directory. total_amount
 * is an exact JSON number both ways: written from the NUMERIC's text, read back from the JSON's source
 * text, never through a float.
 */
import { toJsonInstant } from '../events/timestamp.ts';
import type { HourlyLatencyRow, HourlyMetricsRow } from '../transform/hourly-metrics.ts';

declare global {
  interface JSON {
    rawJSON(text: string): unknown;
  }
}

/** An array sorted by event_hour (RFC 3339 UTC with milliseconds, as every JSON output), total_amount an exact JSON number (JSON.rawJSON). */
export function metricsJson(rows: HourlyMetricsRow[]): string {
  return JSON.stringify(
    rows.map((r) => ({
      event_hour: toJsonInstant(r.event_hour),
      total_transactions: Number(r.total_transactions),
      total_amount: JSON.rawJSON(r.total_amount),
      late_transactions: Number(r.late_transactions),
      late_ratio: r.late_ratio,
    })),
    null,
    2,
  );
}

/** Fields kept as their JSON source text: the warehouse gives them as exact text too. */
const EXACT = new Set(['total_transactions', 'total_amount', 'late_transactions']);

/** The rows metricsJson was made from (event_hour back in warehouse form, numbers as exact text). */
export function parseMetricsJson(text: string): HourlyMetricsRow[] {
  const rows = JSON.parse(text, (key, value, context?: { source?: string }) =>
    EXACT.has(key) && context?.source !== undefined ? context.source : value,
  ) as { event_hour: string; total_transactions: string; total_amount: string; late_transactions: string; late_ratio: number }[];
  return rows.map((r) => ({
    event_hour: warehouseHour(r.event_hour),
    total_transactions: r.total_transactions,
    total_amount: r.total_amount,
    late_transactions: r.late_transactions,
    late_ratio: r.late_ratio,
  }));
}

export function latencyJson(rows: HourlyLatencyRow[]): string {
  return JSON.stringify(
    rows.map((r) => ({
      event_hour: toJsonInstant(r.event_hour),
      transactions: r.transactions,
      p50_seconds: r.p50_seconds,
      p95_seconds: r.p95_seconds,
      p99_seconds: r.p99_seconds,
    })),
    null,
    2,
  );
}

export function parseLatencyJson(text: string): HourlyLatencyRow[] {
  return (JSON.parse(text) as HourlyLatencyRow[]).map((r) => ({ ...r, event_hour: warehouseHour(r.event_hour) }));
}

/** `2026-03-01T10:00:00.000Z` → `2026-03-01 10:00:00`, the text the warehouse gives for an hour. */
function warehouseHour(rfc3339: string): string {
  return `${rfc3339.slice(0, 10)} ${rfc3339.slice(11, 19)}`;
}
