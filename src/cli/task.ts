/**
 * `txpipe task run <task_id>`: one task of process_kafka_to_postgres, the way Airflow's DAG calls it.
 * Airflow owns retries and ordering; txpipe records the try under Airflow's run id and try number.
 * `txpipe task record-failure <task_id>`: what the DAG's failure callback calls when a try failed
 * where txpipe could not record it (before it started, or killed while it ran).
 */
import { redact } from '../observe/redact.ts';
import type { Command } from 'commander';
import { TASKS, type TaskId } from '../dag/process-kafka-to-postgres.ts';
import { defaultRunId, runSingleTask } from '../dag/runner.ts';
import { recordTaskFailure } from '../dag/record-failure.ts';
import { taskInterval } from '../dag/task-interval.ts';
import { commandContext, out, withRuntime } from './context.ts';
import { choiceFlag, intFlag, isoFlag } from './flags.ts';
import { UsageError } from './errors.ts';

interface IntervalFlags {
  logicalDate?: string;
  dataIntervalEnd?: string;
  runAfter?: string;
}

const taskIds = TASKS.map((t) => t.id);

function addIntervalOptions(cmd: Command): Command {
  return cmd
    .option('--logical-date <iso>', 'start of the data interval (a run without one: the hour before --run-after)', isoFlag)
    .option('--data-interval-end <iso>', 'end of the data interval', isoFlag)
    .option('--run-after <iso>', 'when a run without a logical date became due (Airflow run_after; default now)', isoFlag);
}

function checkInterval(flags: IntervalFlags): void {
  if (flags.logicalDate === undefined && flags.dataIntervalEnd !== undefined) throw new UsageError('--data-interval-end needs --logical-date');
  if (flags.logicalDate !== undefined && flags.runAfter !== undefined) throw new UsageError('--run-after is for a run without --logical-date');
  if (flags.logicalDate && flags.dataIntervalEnd && Date.parse(flags.dataIntervalEnd) < Date.parse(flags.logicalDate)) {
    throw new UsageError('--data-interval-end is before --logical-date');
  }
}

export function registerTask(program: Command): void {
  const task = program.command('task').description('run a single task of the DAG (used by Airflow)');
  addIntervalOptions(
    task
      .command('run')
      .argument('<task_id>', taskIds.join(' | '), choiceFlag(taskIds))
      .description('run one task once; exit 0 on success or skip, 1 on failure'),
  )
    .option('--run-id <id>', 'run to record the task under (Airflow passes its run_id)')
    .option('--try-number <n>', 'record the try under this number (Airflow passes its try_number)', intFlag(1, 1_000_000))
    .option('--full-refresh', 'rebuild from all raw rows')
    .option('--recompute-interval', 'also recompute every hour with raw rows in the data interval (Airflow backfills)')
    .action(
      async (taskId: TaskId, flags: IntervalFlags & { runId?: string; tryNumber?: number; fullRefresh?: boolean; recomputeInterval?: boolean }) => {
        checkInterval(flags);
        if (flags.recomputeInterval && !(flags.logicalDate && flags.dataIntervalEnd)) {
          throw new UsageError('--recompute-interval needs --logical-date and --data-interval-end');
        }
        const interval = taskInterval(flags);
        const ctx = commandContext();
        await withRuntime(ctx, async (rt) => {
          const runId = flags.runId ?? defaultRunId('airflow', interval.logicalDate);
          const outcome = await runSingleTask(rt, {
            runId,
            taskId,
            ...interval,
            fullRefresh: !!flags.fullRefresh,
            runType: 'airflow',
            tryNumber: flags.tryNumber,
            recompute: flags.recomputeInterval ? { from: interval.logicalDate, to: interval.dataIntervalEnd! } : undefined,
          });
          if (outcome.state === 'locked' || outcome.state === 'failed') {
            process.stderr.write(redact(`txpipe: ${taskId} failed: ${outcome.error}\n`));
            process.exitCode = 1;
            return;
          }
          out(`${runId} ${taskId}: ${outcome.state} in ${outcome.seconds.toFixed(2)} s ${JSON.stringify(outcome.summary ?? {})}`);
        });
      },
    );

  addIntervalOptions(
    task
      .command('record-failure')
      .argument('<task_id>', taskIds.join(' | '), choiceFlag(taskIds))
      .description("record an Airflow try that failed where txpipe could not (the DAG's failure callback calls it)"),
  )
    .requiredOption('--run-id <id>', "Airflow's run_id")
    .requiredOption('--try-number <n>', "Airflow's try_number of the failed try", intFlag(1, 1_000_000))
    .requiredOption('--error <text>', 'what failed')
    .option('--up-for-retry', 'Airflow will retry the task: the run goes on')
    .action(async (taskId: TaskId, flags: IntervalFlags & { runId: string; tryNumber: number; error: string; upForRetry?: boolean }) => {
      checkInterval(flags);
      const interval = taskInterval(flags);
      const ctx = commandContext();
      await withRuntime(ctx, async (rt) => {
        const { recorded } = await recordTaskFailure(rt, {
          runId: flags.runId,
          taskId,
          ...interval,
          tryNumber: flags.tryNumber,
          error: flags.error,
          upForRetry: !!flags.upForRetry,
        });
        out(`${flags.runId} ${taskId} try ${flags.tryNumber}: ${recorded ? 'recorded as failed' : 'already recorded by txpipe'}`);
      });
    });
}
