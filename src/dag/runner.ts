/**
 * Runs process_kafka_to_postgres: its tasks in order, each with retries and exponential backoff, every
 * run and try recorded in the warehouse. A PostgreSQL advisory lock keeps two runs from overlapping, even
 * from two schedulers on two machines. The same runTask serves `txpipe task run` (Airflow), so the
 * built-in runner and Airflow run identical code.
 */
import { redactError } from '../observe/redact.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from '../sql.ts';
import type { Warehouse } from '../warehouse/port.ts';
import type { SearchIndex } from '../search/port.ts';
import type { Logger } from '../observe/logger.ts';
import type { Config } from '../config.ts';
import { lockKey } from '../warehouse/lock-key.ts';
import { withAdvisoryLockWaiting } from '../warehouse/advisory-wait.ts';
import type { TaskContext, TaskSummary } from '../transform/task-context.ts';
import { DAG_ID, TASKS, taskById, type TaskId } from './process-kafka-to-postgres.ts';

export interface DagDeps {
  warehouse: Warehouse;
  search?: SearchIndex;
  logger: Logger;
  /** The data-quality checks' settings (a Runtime's config has them; default: DEFAULT_QUALITY). */
  config?: Pick<Config, 'quality'>;
  /** Told of every task and run (metrics, alerts: src/observe). */
  observer?: DagObserver;
}

/**
 * What the runner reports as it goes. An observer that throws is logged and never changes a run's
 * outcome.
 */
export interface DagObserver {
  /** A task is done with all its tries. On the run's path: keep it cheap. */
  taskEnded(outcome: TaskOutcome): void;
  /** A run ended: runDag's result, or runSingleTask's when its task ended the run (the last task, or a failure). */
  runEnded(result: DagRunResult): Promise<void>;
}

export type RunType = 'manual' | 'scheduled' | 'backfill' | 'airflow';

export interface RunOptions {
  /** Start of the data interval, ISO 8601. */
  logicalDate: string;
  dataIntervalEnd?: string;
  runType: RunType;
  fullRefresh?: boolean;
  runId?: string;
  /** Backfill: recompute every hour with raw rows in [from, to), besides the changed hours. */
  recompute?: { from: string; to: string };
  retries: number;
  retryDelayMs: number;
}

export interface TaskOutcome {
  taskId: TaskId;
  state: 'success' | 'failed' | 'skipped' | 'upstream_failed';
  tries: number;
  seconds: number;
  summary?: TaskSummary;
  error?: string;
}

export interface DagRunResult {
  runId: string;
  state: 'success' | 'failed' | 'locked';
  tasks: TaskOutcome[];
  seconds: number;
  error?: string;
}

/** One DAG run at a time, on any machine: a second run finds it taken and does not start. */
export const DAG_LOCK = lockKey(`dag:${DAG_ID}`);
/**
 * One process at a time changes the transformed tables and the index: a DAG run (for its whole run)
 * or a continuous step of `txpipe run`. Unlike DAG_LOCK it is waited for: steps are short.
 */
export const TRANSFORM_LOCK = lockKey(`transform:${DAG_ID}`);
/** How long a DAG run waits for the continuous steps to let it in before it gives up. */
const TRANSFORM_WAIT_MS = 120_000;
/**
 * How long one Airflow task (`txpipe task run`) waits for another run's task to finish. Airflow runs a
 * backfill's runs side by side with each other and with the scheduled runs (a backfill's max_active_runs
 * is its own), so their tasks take turns on the lock instead of failing; Airflow's retries cover longer.
 */
export const TASK_LOCK_WAIT_MS = 15 * 60_000;

/**
 * A scheduled or backfill run is named after its logical date: running that date again is the same run
 * with new tries. (A manual run is named after the moment it starts: see manualRunId.)
 */
export function defaultRunId(runType: RunType, logicalDate: string): string {
  return `${runType}__${new Date(logicalDate).toISOString()}`;
}

/**
 * `dag run`: each one is its own run, named like Airflow's manual runs after when it was triggered
 * (`manual__2026-09-01T03:04:05.678Z`), whatever its logical date; two in one hour no longer merge.
 */
export function manualRunId(now: Date = new Date()): string {
  return `manual__${now.toISOString()}`;
}

const lockedMessage = `another run of ${DAG_ID} holds the lock; not starting a second one`;
const busyMessage = `the transformations stayed busy (txpipe run's steps) for ${TRANSFORM_WAIT_MS / 1000} s; not starting`;

/**
 * Runs fn holding both locks: the DAG's own (tried, or waited for up to dagWaitMs), then the
 * transformations' (waited for).
 */
async function withRunLocks<T>(
  deps: DagDeps,
  fn: () => Promise<T>,
  dagWaitMs = 0,
): Promise<{ acquired: true; value: T } | { acquired: false; error: string }> {
  const inner = () => withAdvisoryLockWaiting(deps.warehouse, TRANSFORM_LOCK, fn, { timeoutMs: TRANSFORM_WAIT_MS });
  const dag =
    dagWaitMs > 0
      ? await withAdvisoryLockWaiting(deps.warehouse, DAG_LOCK, inner, { timeoutMs: dagWaitMs })
      : await deps.warehouse.withAdvisoryLock(DAG_LOCK, inner);
  if (!dag.acquired) return { acquired: false, error: dagWaitMs > 0 ? `${lockedMessage} (waited ${dagWaitMs / 1000} s)` : lockedMessage };
  if (!dag.value.acquired) return { acquired: false, error: busyMessage };
  return { acquired: true, value: dag.value.value };
}

export async function runDag(deps: DagDeps, o: RunOptions): Promise<DagRunResult> {
  const started = performance.now();
  const runId = o.runId ?? (o.runType === 'manual' ? manualRunId() : defaultRunId(o.runType, o.logicalDate));
  const log = deps.logger.child(DAG_ID);
  const locked = await withRunLocks(deps, async () => {
    await deps.warehouse.query(sql('dag/start_run'), [
      runId,
      DAG_ID,
      o.logicalDate,
      o.dataIntervalEnd ?? null,
      o.runType,
      o.fullRefresh ?? false,
      true,
    ]);
    log.info(`run ${runId} started${o.fullRefresh ? ' (full refresh)' : ''}`);
    if (o.recompute) await queueRecompute(deps.warehouse, o.recompute);
    const tasks: TaskOutcome[] = [];
    let failed: TaskOutcome | undefined;
    for (const task of TASKS) {
      if (failed) {
        tasks.push({ taskId: task.id, state: 'upstream_failed', tries: 0, seconds: 0 });
        continue;
      }
      const outcome = await runTask(deps, { runId, taskId: task.id, logicalDate: o.logicalDate, fullRefresh: o.fullRefresh ?? false }, o);
      tasks.push(outcome);
      if (outcome.state === 'failed') failed = outcome;
    }
    const error = failed ? `${failed.taskId}: ${failed.error}` : null;
    await deps.warehouse.query(sql('dag/end_run'), [runId, failed ? 'failed' : 'success', error]);
    const seconds = (performance.now() - started) / 1000;
    log.info(`run ${runId} ${failed ? 'failed' : 'succeeded'} in ${seconds.toFixed(2)} s`);
    return { runId, state: failed ? ('failed' as const) : ('success' as const), tasks, seconds, ...(error ? { error } : {}) };
  });
  const result: DagRunResult = locked.acquired
    ? locked.value
    : { runId, state: 'locked', tasks: [], seconds: (performance.now() - started) / 1000, error: locked.error };
  if (!locked.acquired) log.warn(locked.error);
  await runEnded(deps, result, log);
  return result;
}

async function runEnded(deps: DagDeps, result: DagRunResult, log: Logger): Promise<void> {
  try {
    await deps.observer?.runEnded(result);
  } catch (err) {
    log.warn(`observer failed after run ${result.runId}: ${(err as Error).message}`);
  }
}

function taskEnded(deps: DagDeps, outcome: TaskOutcome, log: Logger): TaskOutcome {
  try {
    deps.observer?.taskEnded(outcome);
  } catch (err) {
    log.warn(`observer failed after task ${outcome.taskId}: ${(err as Error).message}`);
  }
  return outcome;
}

export interface TaskRunOptions {
  runId: string;
  taskId: TaskId;
  logicalDate: string;
  fullRefresh: boolean;
  /** The first try's number, when the caller owns the numbering (Airflow's try_number); else the next free one. */
  tryNumber?: number;
}

/** Queues every hour with raw rows in [from, to) for run_transformations: what a backfill recomputes. */
async function queueRecompute(warehouse: Warehouse, range: { from: string; to: string }): Promise<void> {
  const hours = await warehouse.query<{ event_hour: string }>(sql('transform/hours_in_range'), [range.from, range.to]);
  if (hours.length > 0) await warehouse.query(sql('transform/queue_changed_hours'), [hours.map((h) => h.event_hour)]);
}

/** Runs one task with retries, recording every try. Never throws for a task failure: it returns it. */
export async function runTask(deps: DagDeps, t: TaskRunOptions, policy: { retries: number; retryDelayMs: number }): Promise<TaskOutcome> {
  const task = taskById(t.taskId)!;
  const log = deps.logger.child(task.id);
  const ctx: TaskContext = {
    warehouse: deps.warehouse,
    search: deps.search,
    logger: log,
    fullRefresh: t.fullRefresh,
    logicalDate: t.logicalDate,
    runId: t.runId,
    quality: deps.config?.quality,
  };
  const started = performance.now();
  for (let attempt = 0; ; attempt++) {
    const [row] =
      attempt === 0 && t.tryNumber !== undefined
        ? await deps.warehouse.query<{ try_number: number }>(sql('dag/start_task_numbered'), [t.runId, task.id, t.tryNumber])
        : await deps.warehouse.query<{ try_number: number }>(sql('dag/start_task'), [t.runId, task.id]);
    const tryNumber = row!.try_number;
    try {
      const summary = await task.fn(ctx);
      const state = summary.skipped ? 'skipped' : 'success';
      await deps.warehouse.query(sql('dag/end_task'), [t.runId, task.id, tryNumber, state, null, JSON.stringify(summary)]);
      return taskEnded(deps, { taskId: task.id, state, tries: attempt + 1, seconds: (performance.now() - started) / 1000, summary }, log);
    } catch (err) {
      // Stored, shown by `dag runs`, `status` and the API: masked before it is written (a URL's password).
      const message = redactError(err);
      await deps.warehouse.query(sql('dag/end_task'), [t.runId, task.id, tryNumber, 'failed', message, null]);
      // A failed data-quality check is an answer, not an accident: retrying gives the same one.
      if (attempt >= policy.retries || (err as { retryable?: boolean }).retryable === false) {
        log.error(`failed after ${attempt + 1} tries: ${message}`);
        return taskEnded(
          deps,
          { taskId: task.id, state: 'failed', tries: attempt + 1, seconds: (performance.now() - started) / 1000, error: message },
          log,
        );
      }
      const delay = policy.retryDelayMs * 2 ** attempt;
      log.warn(`try ${attempt + 1} failed (${message}); retrying in ${delay} ms`);
      await sleep(delay);
    }
  }
}

/**
 * One task of one run, as Airflow calls it (`txpipe task run`): Airflow owns retries and ordering,
 * txpipe records the try under Airflow's run id (and try number, when given) and keeps the no-overlap
 * lock, waiting up to TASK_LOCK_WAIT_MS for another run's task to finish.
 */
export async function runSingleTask(
  deps: DagDeps,
  o: {
    runId: string;
    taskId: TaskId;
    logicalDate: string;
    dataIntervalEnd?: string;
    fullRefresh: boolean;
    runType: RunType;
    /** Airflow backfills: run_transformations also recomputes the hours of this range, as `dag backfill` does. */
    recompute?: { from: string; to: string };
    /** Airflow's try_number: txpipe records the try under it. */
    tryNumber?: number;
    /** How long to wait for the DAG lock (default TASK_LOCK_WAIT_MS). */
    lockWaitMs?: number;
  },
): Promise<TaskOutcome | { state: 'locked'; error: string }> {
  const locked = await withRunLocks(
    deps,
    async () => {
      await deps.warehouse.query(sql('dag/start_run'), [o.runId, DAG_ID, o.logicalDate, o.dataIntervalEnd ?? null, o.runType, o.fullRefresh, false]);
      if (o.recompute && o.taskId === 'run_transformations') await queueRecompute(deps.warehouse, o.recompute);
      const outcome = await runTask(deps, o, { retries: 0, retryDelayMs: 0 });
      const last = TASKS.at(-1)!.id === o.taskId;
      const state: 'failed' | 'success' | 'running' = outcome.state === 'failed' ? 'failed' : last ? 'success' : 'running';
      if (state !== 'running') {
        await deps.warehouse.query(sql('dag/end_run'), [o.runId, state, outcome.error ? `${o.taskId}: ${outcome.error}` : null]);
      }
      return { outcome, state };
    },
    o.lockWaitMs ?? TASK_LOCK_WAIT_MS,
  );
  if (!locked.acquired) return { state: 'locked', error: locked.error };
  const { outcome, state } = locked.value;
  if (state !== 'running') {
    const error = outcome.error ? `${o.taskId}: ${outcome.error}` : undefined;
    await runEnded(
      deps,
      { runId: o.runId, state, tasks: [outcome], seconds: outcome.seconds, ...(error ? { error } : {}) },
      deps.logger.child(DAG_ID),
    );
  }
  return outcome;
}
