/** `txpipe dag run|backfill|schedule|runs process_kafka_to_postgres`. */
import type { Command } from 'commander';
import { DAG_ID } from '../dag/process-kafka-to-postgres.ts';
import { backfillDag, backfillHours, BackfillRangeError } from '../dag/backfill.ts';
import { hourlyInterval, previousHour } from '../dag/data-interval.ts';
import { manualRunId, runDag, type DagRunResult } from '../dag/runner.ts';
import { parseSchedule, scheduleDag } from '../dag/scheduler.ts';
import { commandContext, out, withReadSource, withRuntime } from './context.ts';
import { UsageError } from './errors.ts';
import { choiceFlag, intFlag, isoFlag } from './flags.ts';
import { formatRunLine, formatRunsTable } from './format-runs.ts';

function checkDag(dagId: string): void {
  if (dagId !== DAG_ID) throw new UsageError(`unknown DAG "${dagId}": the only DAG is ${DAG_ID}`);
}

function exitFor(result: DagRunResult): void {
  if (result.state !== 'success') process.exitCode = 1;
}

export function registerDag(program: Command): void {
  const dag = program.command('dag').description(`run, backfill, schedule and inspect the DAG ${DAG_ID}`);

  dag
    .command('run')
    .argument('<dag_id>', DAG_ID)
    .description('run the DAG once: the hours changed since the last run (or all with --full-refresh)')
    .option('--logical-date <iso>', 'start of the data interval (default: the previous hour)', isoFlag)
    .option('--full-refresh', 'rebuild transactions_clean and hourly_metrics from all raw rows')
    .action(async (dagId: string, flags: { logicalDate?: string; fullRefresh?: boolean }) => {
      checkDag(dagId);
      const ctx = commandContext();
      await withRuntime(ctx, async (rt) => {
        const result = await runDag(rt, {
          ...hourlyInterval(flags.logicalDate ?? previousHour()),
          runType: 'manual',
          runId: manualRunId(),
          fullRefresh: !!flags.fullRefresh,
          retries: rt.config.taskRetries,
          retryDelayMs: rt.config.retryDelayMs,
        });
        out(formatRunLine(result));
        exitFor(result);
      });
    });

  dag
    .command('backfill')
    .argument('<dag_id>', DAG_ID)
    .description('one run per hour in [--from, --to), each recomputing its hour from the raw rows')
    .requiredOption('--from <iso>', 'first logical date (inclusive)', isoFlag)
    .requiredOption('--to <iso>', 'end (exclusive)', isoFlag)
    .action(async (dagId: string, flags: { from: string; to: string }) => {
      checkDag(dagId);
      try {
        backfillHours(flags.from, flags.to);
      } catch (err) {
        if (!(err instanceof BackfillRangeError)) throw err;
        throw new UsageError(err.problem === 'empty' ? 'backfill: --to must be after --from' : err.message);
      }
      const ctx = commandContext();
      await withRuntime(ctx, async (rt) => {
        const result = await backfillDag(rt, {
          from: flags.from,
          to: flags.to,
          retries: rt.config.taskRetries,
          retryDelayMs: rt.config.retryDelayMs,
          signal: ctx.signal,
          onRun: (r) => out(formatRunLine(r)),
        });
        out(`backfill: ${result.runs.length} run(s), ${result.failed} failed`);
        if (result.failed > 0) process.exitCode = 1;
      });
    });

  dag
    .command('schedule')
    .argument('<dag_id>', DAG_ID)
    .description('run the DAG on its schedule until stopped (SIGINT/SIGTERM)')
    .option('--schedule <cron>', 'cron expression (5 or 6 fields, UTC) or @hourly, @daily… (default TXPIPE_SCHEDULE or @hourly)')
    .action(async (dagId: string, flags: { schedule?: string }) => {
      checkDag(dagId);
      const ctx = commandContext({ TXPIPE_SCHEDULE: flags.schedule });
      try {
        parseSchedule(ctx.config.schedule);
      } catch (err) {
        throw new UsageError(`--schedule: ${(err as Error).message}`);
      }
      await withRuntime(ctx, (rt) =>
        scheduleDag(rt, {
          schedule: rt.config.schedule,
          retries: rt.config.taskRetries,
          retryDelayMs: rt.config.retryDelayMs,
          signal: ctx.signal,
          onRun: (r) => out(formatRunLine(r)),
        }),
      );
    });

  dag
    .command('runs')
    .argument('[dag_id]', DAG_ID, DAG_ID)
    .description('run history with task states and durations, newest first')
    .option('--format <format>', 'table or json', choiceFlag(['table', 'json'] as const), 'table')
    .option('--limit <n>', 'how many runs', intFlag(1, 10_000), 20)
    .action(async (dagId: string, flags: { format: 'table' | 'json'; limit: number }) => {
      checkDag(dagId);
      const ctx = commandContext();
      await withReadSource(ctx, async (source) => {
        const runs = await source.runs({ limit: flags.limit });
        out(flags.format === 'json' ? JSON.stringify(runs, null, 2) : formatRunsTable(runs));
      });
    });
}
