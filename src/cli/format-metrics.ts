/** Human and machine output for hourly_metrics rows: JSON, CSV and an aligned table. */
import { toJsonInstant, toRfc3339 } from '../events/timestamp.ts';
import type { HourlyMetricsRow } from '../transform/hourly-metrics.ts';
import { table } from './table.ts';

/** The JSON is the API's (`/api/hourly-metrics` prints the same): one implementation, in src/web. */
export { metricsJson } from '../web/hourly-json.ts';

/** The machine form beside the JSON, its hours spelled as the JSON spells them. */
export function metricsCsv(rows: HourlyMetricsRow[]): string {
  const header = 'event_hour,total_transactions,total_amount,late_transactions,late_ratio';
  return [
    header,
    ...rows.map((r) => [toJsonInstant(r.event_hour), r.total_transactions, r.total_amount, r.late_transactions, r.late_ratio].join(',')),
  ].join('\n');
}

/** For a person: the hour without the zero milliseconds. */
export function metricsTable(rows: HourlyMetricsRow[]): string {
  if (rows.length === 0) return 'no hourly metrics yet (ingest, then run the DAG)';
  return table(
    ['event_hour', 'total_transactions', 'total_amount', 'late_transactions', 'late_ratio'],
    rows.map((r) => [toRfc3339(r.event_hour), r.total_transactions, r.total_amount, r.late_transactions, r.late_ratio.toFixed(4)]),
  );
}
