/** `txpipe metrics hourly`: the hourly_metrics rows as a table, JSON or CSV. */
import type { Command } from 'commander';
import { sql } from '../sql.ts';
import { toRfc3339 } from '../events/timestamp.ts';
import type { Queryable } from '../warehouse/port.ts';
import { commandContext, out, withRuntime } from './context.ts';
import { choiceFlag, isoFlag } from './flags.ts';
import { table } from './table.ts';

export interface HourlyMetricsRow {
  event_hour: string;
  total_transactions: string;
  total_amount: string;
  late_transactions: string;
  late_ratio: number;
}

/** Rows in [from, to) (ISO strings, either optional), sorted by event_hour; numbers as exact text. */
export async function readHourlyMetrics(db: Queryable, from?: string, to?: string): Promise<HourlyMetricsRow[]> {
  const ts = (iso?: string) => (iso ? iso.replace('T', ' ').replace('Z', '') : null);
  return db.query<HourlyMetricsRow>(sql('transform/hourly_metrics_range'), [ts(from), ts(to)]);
}

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

export function registerMetrics(program: Command): void {
  const metrics = program.command('metrics').description('read the analytics tables');
  metrics
    .command('hourly')
    .description('hourly_metrics rows in [--from, --to), sorted by event_hour')
    .option('--from <iso>', 'first event hour (inclusive)', isoFlag)
    .option('--to <iso>', 'end (exclusive)', isoFlag)
    .option('--format <format>', 'table, json or csv', choiceFlag(['table', 'json', 'csv'] as const), 'table')
    .action(async (flags: { from?: string; to?: string; format: 'table' | 'json' | 'csv' }) => {
      const ctx = commandContext();
      await withRuntime(ctx, async (rt) => {
        const rows = await readHourlyMetrics(rt.warehouse, flags.from, flags.to);
        out(flags.format === 'json' ? metricsJson(rows) : flags.format === 'csv' ? metricsCsv(rows) : metricsTable(rows));
      });
    });
}
