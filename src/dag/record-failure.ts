/**
 * An Airflow task try that failed where txpipe could not record it: before `txpipe task run` started
 * (a template, the command, the worker), or while it ran and was killed (timeout, lost worker). The
 * DAG's failure callback calls `txpipe task record-failure` with Airflow's run id and try number, so
 * `txpipe dag runs` shows every failed Airflow run. A try txpipe ended itself keeps its own record. A try
 * Airflow will retry (its retry callback) is recorded failed while the run goes on.
 */
import { redact } from '../observe/redact.ts';
import { sql } from '../sql.ts';
import type { Logger } from '../observe/logger.ts';
import type { DagDeps, DagRunResult } from './runner.ts';
import { DAG_ID, type TaskId } from './process-kafka-to-postgres.ts';

export interface TaskFailure {
  runId: string;
  taskId: TaskId;
  logicalDate: string;
  dataIntervalEnd?: string;
  /** Airflow's try_number of the try that failed. */
  tryNumber: number;
  /** What Airflow knows of the failure (its exception). */
  error: string;
  /** Airflow will retry the task: the try failed, the run goes on. */
  upForRetry?: boolean;
}

/** Whether the try was written (false: txpipe had already ended it and its record stands). */
export async function recordTaskFailure(deps: DagDeps, given: TaskFailure): Promise<{ recorded: boolean }> {
  // Airflow's exception text is stored and shown: masked before it is written.
  const f = { ...given, error: redact(given.error) };
  const error = `${f.taskId}: ${f.error}`;
  const written = await deps.warehouse.transaction(async (tx) => {
    if (f.upForRetry) await tx.query(sql('dag/record_retried_run'), [f.runId, DAG_ID, f.logicalDate, f.dataIntervalEnd ?? null, 'airflow']);
    else await tx.query(sql('dag/record_failed_run'), [f.runId, DAG_ID, f.logicalDate, f.dataIntervalEnd ?? null, 'airflow', error]);
    return tx.query<{ try_number: number }>(sql('dag/record_failed_task'), [f.runId, f.taskId, f.tryNumber, f.error]);
  });
  if (written.length === 0) return { recorded: false };
  if (f.upForRetry) return { recorded: true };
  const result: DagRunResult = {
    runId: f.runId,
    state: 'failed',
    tasks: [{ taskId: f.taskId, state: 'failed', tries: f.tryNumber, seconds: 0, error: f.error }],
    seconds: 0,
    error,
  };
  await ended(deps, result, deps.logger.child(DAG_ID));
  return { recorded: true };
}

async function ended(deps: DagDeps, result: DagRunResult, log: Logger): Promise<void> {
  try {
    await deps.observer?.runEnded(result);
  } catch (err) {
    log.warn(`observer failed after run ${result.runId}: ${(err as Error).message}`);
  }
}
