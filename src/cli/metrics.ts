/** `txpipe metrics hourly`: the hourly_metrics rows as a table, JSON or CSV. */
import type { Command } from 'commander';
import { commandContext, out, withReadSource } from './context.ts';
import { UsageError } from './errors.ts';
import { choiceFlag, isoFlag } from './flags.ts';
import { metricsCsv, metricsJson, metricsTable } from './format-metrics.ts';

export function registerMetrics(program: Command): void {
  const metrics = program.command('metrics').description('read the analytics tables');
  metrics
    .command('hourly')
    .description('hourly_metrics rows in [--from, --to), sorted by event_hour')
    .option('--from <iso>', 'first event hour (inclusive)', isoFlag)
    .option('--to <iso>', 'end (exclusive)', isoFlag)
    .option('--format <format>', 'table, json or csv', choiceFlag(['table', 'json', 'csv'] as const), 'table')
    .action(async (flags: { from?: string; to?: string; format: 'table' | 'json' | 'csv' }) => {
      if (flags.from && flags.to && flags.from >= flags.to) {
        throw new UsageError(`--from must be before --to (got --from ${flags.from}, --to ${flags.to})`);
      }
      const ctx = commandContext();
      await withReadSource(ctx, async (source) => {
        const rows = await source.hourlyMetrics({ from: flags.from, to: flags.to });
        out(flags.format === 'json' ? metricsJson(rows) : flags.format === 'csv' ? metricsCsv(rows) : metricsTable(rows));
      });
    });
}
