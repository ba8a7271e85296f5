/** Human and machine output for hourly_metrics rows: JSON, CSV and an aligned table. */
import { toRfc3339 } from '../events/timestamp.ts';
import type { HourlyMetricsRow } from '../transform/hourly-metrics.ts';
import { table } from './table.ts';

declare global {
  interface JSON {
    rawJSON(text: string): unknown;
  }
}

/** JSON with total_amount written as an exact JSON number (JSON.rawJSON), never through a float. */
export function metricsJson(rows: HourlyMetricsRow[]): string {
  return JSON.stringify(
    rows.map((r) => ({
      event_hour: toRfc3339(r.event_hour),
      total_transactions: Number(r.total_transactions),
      total_amount: JSON.rawJSON(r.total_amount),
      late_transactions: Number(r.late_transactions),
      late_ratio: r.late_ratio,
    })),
    null,
    2,
  );
}

export function metricsCsv(rows: HourlyMetricsRow[]): string {
  const header = 'event_hour,total_transactions,total_amount,late_transactions,late_ratio';
  return [
    header,
    ...rows.map((r) => [toRfc3339(r.event_hour), r.total_transactions, r.total_amount, r.late_transactions, r.late_ratio].join(',')),
  ].join('\n');
}

export function metricsTable(rows: HourlyMetricsRow[]): string {
  if (rows.length === 0) return 'no hourly metrics yet (ingest, then run the DAG)';
  return table(
    ['event_hour', 'total_transactions', 'total_amount', 'late_transactions', 'late_ratio'],
    rows.map((r) => [toRfc3339(r.event_hour), r.total_transactions, r.total_amount, r.late_transactions, r.late_ratio.toFixed(4)]),
  );
}
