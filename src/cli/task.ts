/**
 * `txpipe task run <task_id>`: one task of process_kafka_to_postgres, the way Airflow's DAG calls it.
 * Airflow owns retries and ordering; txpipe records the try under Airflow's run id.
 */
import type { Command } from 'commander';
import { TASKS, type TaskId } from '../dag/process-kafka-to-postgres.ts';
import { defaultRunId, runSingleTask } from '../dag/runner.ts';
import { commandContext, out, withRuntime } from './context.ts';
import { choiceFlag, isoFlag } from './flags.ts';
import { UsageError } from './errors.ts';

export function registerTask(program: Command): void {
  const task = program.command('task').description('run a single task of the DAG (used by Airflow)');
  task
    .command('run')
    .argument('<task_id>', TASKS.map((t) => t.id).join(' | '), choiceFlag(TASKS.map((t) => t.id)))
    .description('run one task once; exit 0 on success or skip, 1 on failure')
    .requiredOption('--logical-date <iso>', 'start of the data interval', isoFlag)
    .option('--data-interval-end <iso>', 'end of the data interval', isoFlag)
    .option('--run-id <id>', 'run to record the task under (Airflow passes its run_id)')
    .option('--full-refresh', 'rebuild from all raw rows')
    .option('--recompute-interval', 'also recompute every hour with raw rows in the data interval (Airflow backfills)')
    .action(
      async (
        taskId: TaskId,
        flags: { logicalDate: string; dataIntervalEnd?: string; runId?: string; fullRefresh?: boolean; recomputeInterval?: boolean },
      ) => {
        if (flags.recomputeInterval && !flags.dataIntervalEnd) throw new UsageError('--recompute-interval needs --data-interval-end');
        if (flags.dataIntervalEnd && Date.parse(flags.dataIntervalEnd) < Date.parse(flags.logicalDate)) {
          throw new UsageError('--data-interval-end is before --logical-date');
        }
        const ctx = commandContext();
        await withRuntime(ctx, async (rt) => {
          const runId = flags.runId ?? defaultRunId('airflow', flags.logicalDate);
          const outcome = await runSingleTask(rt, {
            runId,
            taskId,
            logicalDate: flags.logicalDate,
            dataIntervalEnd: flags.dataIntervalEnd,
            fullRefresh: !!flags.fullRefresh,
            runType: 'airflow',
            recompute: flags.recomputeInterval ? { from: flags.logicalDate, to: flags.dataIntervalEnd! } : undefined,
          });
          if (outcome.state === 'locked' || outcome.state === 'failed') {
            process.stderr.write(`txpipe: ${taskId} failed: ${outcome.error}\n`);
            process.exitCode = 1;
            return;
          }
          out(`${runId} ${taskId}: ${outcome.state} in ${outcome.seconds.toFixed(2)} s ${JSON.stringify(outcome.summary ?? {})}`);
        });
      },
    );
}
