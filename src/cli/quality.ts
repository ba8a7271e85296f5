/**
 * `txpipe quality [--run RUN_ID] [--format table|json]`: the data-quality results of the latest run of
 * the checks (or of one run). JSON is an array of {name, severity, status, observed, threshold}.
 * Details come from the data (an unexpected status value): printed with escapes, as dead letters are.
 */
import type { Command } from 'commander';
import type { StoredResult } from '../quality/results.ts';
import { commandContext, out, withReadSource } from './context.ts';
import { printable } from './dead-letters.ts';
import { choiceFlag } from './flags.ts';
import { table } from './table.ts';

/** Characters of detail in a table row. */
const DETAIL_CHARS = 80;

export function qualityJson(results: readonly StoredResult[]) {
  return results.map((r) => ({ name: r.name, severity: r.severity, status: r.status, observed: r.observed, threshold: r.threshold }));
}

export function formatQualityTable(results: readonly StoredResult[]): string {
  const head = `run ${printable(results[0]!.run_id).text} at ${results[0]!.checked_at}, ${results[0]!.hours} hour(s) checked`;
  const rows = results.map((r) => {
    const detail = printable(r.detail ?? '', DETAIL_CHARS);
    return [r.name, r.severity, r.status, r.observed === null ? '-' : String(r.observed), r.threshold, detail.text + (detail.cut ? '…' : '')];
  });
  return `${head}\n${table(['check', 'severity', 'status', 'observed', 'threshold', 'detail'], rows)}`;
}

export function registerQuality(program: Command): void {
  program
    .command('quality')
    .description('data-quality check results of the latest DAG run (or --run)')
    .option('--run <run_id>', 'the results of this run')
    .option('--format <format>', 'table or json', choiceFlag(['table', 'json'] as const), 'table')
    .action(async (flags: { run?: string; format: 'table' | 'json' }) => {
      const ctx = commandContext();
      await withReadSource(ctx, async (source) => {
        const results = await source.quality({ runId: flags.run });
        if (results.length === 0 && flags.run !== undefined) {
          process.stderr.write(`txpipe: no data-quality results for run ${printable(flags.run).text}\n`);
          process.exitCode = 1;
          return;
        }
        if (flags.format === 'json') out(JSON.stringify(qualityJson(results), null, 2));
        else out(results.length === 0 ? 'no data-quality results yet (the DAG task check_data_quality has not run)' : formatQualityTable(results));
      });
    });
}
