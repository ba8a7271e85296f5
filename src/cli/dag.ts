/** `txpipe dag run|backfill|schedule|runs process_kafka_to_postgres`. */
import type { Command } from 'commander';
import { DAG_ID } from '../dag/process-kafka-to-postgres.ts';
import { runDag, type DagRunResult } from '../dag/runner.ts';
import { parseSchedule, scheduleDag } from '../dag/scheduler.ts';
import { sql } from '../sql.ts';
import { commandContext, out, withRuntime } from './context.ts';
import { UsageError } from './errors.ts';
import { choiceFlag, intFlag, isoFlag, previousHour } from './flags.ts';
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
        const logicalDate = flags.logicalDate ?? previousHour();
        const result = await runDag(rt, {
          logicalDate,
          dataIntervalEnd: new Date(Date.parse(logicalDate) + 3_600_000).toISOString(),
          runType: 'manual',
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
      const from = Math.floor(Date.parse(flags.from) / 3_600_000) * 3_600_000;
      const to = Date.parse(flags.to);
      if (!(to > from)) throw new UsageError('backfill: --to must be after --from');
      if ((to - from) / 3_600_000 > 24 * 366 * 5) throw new UsageError('backfill: at most five years at a time');
      const ctx = commandContext();
      await withRuntime(ctx, async (rt) => {
        let failed = 0;
        let runs = 0;
        for (let t = from; t < to && !ctx.signal.aborted; t += 3_600_000) {
          const logicalDate = new Date(t).toISOString();
          const end = new Date(t + 3_600_000).toISOString();
          const result = await runDag(rt, {
            logicalDate,
            dataIntervalEnd: end,
            runType: 'backfill',
            recompute: { from: logicalDate, to: end },
            retries: rt.config.taskRetries,
            retryDelayMs: rt.config.retryDelayMs,
          });
          runs++;
          if (result.state !== 'success') failed++;
          out(formatRunLine(result));
        }
        out(`backfill: ${runs} run(s), ${failed} failed`);
        if (failed > 0) process.exitCode = 1;
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
      await withRuntime(ctx, async (rt) => {
        const runs = await rt.warehouse.query<RunRow>(sql('dag/recent_runs'), [DAG_ID, flags.limit]);
        out(flags.format === 'json' ? JSON.stringify(runs, null, 2) : formatRunsTable(runs));
      });
    });
}

export interface RunRow {
  run_id: string;
  dag_id: string;
  logical_date: string;
  run_type: string;
  full_refresh: boolean;
  state: string;
  started_at: string;
  ended_at: string | null;
  error: string | null;
  duration_seconds: number;
  tasks: { task_id: string; state: string; try_number: number; duration_seconds: number; error: string | null; summary: unknown }[];
}
