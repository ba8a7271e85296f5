/**
 * The continuous half of `txpipe run`: after batches commit, the DAG's three tasks (the same functions,
 * the same SQL) for exactly the new data: run_transformations cleans the new log ranges,
 * refresh_views adds their deltas to hourly_metrics, the index task sends the hours that changed. A
 * step is kicked by each committed batch and coalesces the kicks that arrive while it runs; when nothing
 * kicks it, it still looks every few seconds (another process's leftovers, a backfill's queued hours).
 *
 * Steps hold the transformations' advisory lock (TRANSFORM_LOCK, which a DAG run holds for its whole
 * run), so they never overlap a DAG run or another process's step: each claims everything pending when
 * it starts, and the hourly DAG stays the authority for reruns,
 * backfills and full refreshes. A step is not a DAG run: it adds no row to dag_runs; its counters go
 * to continuous_runs (txpipe status) and the log gets one summary line a minute.
 *
 * Steps leave the data-quality checks (check_data_quality) to the DAG: a step takes milliseconds and
 * touches the current hour, and checking would scan that whole hour every step. What a step changes is
 * queued for the DAG's next checks (refresh_views queues it), and while the latest checks have a failed
 * `error` check the index task skips (documents keep their last good values), in steps as in DAG runs.
 * So documents can be up to one DAG interval ahead of the checks, never ahead of a failure.
 */
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { TRANSFORM_LOCK } from '../dag/runner.ts';
import { withAdvisoryLockWaiting } from '../warehouse/advisory-wait.ts';
import type { Logger } from '../observe/logger.ts';
import { backoffMs, isOutage } from '../observe/outage.ts';
import type { SearchIndex } from '../search/port.ts';
import { sql } from '../sql.ts';
import { indexHourlyMetrics } from '../transform/index-hourly-metrics.ts';
import { refreshViews } from '../transform/refresh-views.ts';
import { runTransformations } from '../transform/run-transformations.ts';
import type { TaskContext } from '../transform/task-context.ts';
import type { Warehouse } from '../warehouse/port.ts';

/** With nothing kicking, a step still runs this often. */
const IDLE_STEP_MS = 2_000;
/** How often the summary line is logged. */
const SUMMARY_MS = 60_000;

/** Seconds a step spent in each of the DAG's tasks (and waiting for the transformations' lock). */
export interface StepPhases {
  lock: number;
  run_transformations: number;
  refresh_views: number;
  index_hourly_metrics_to_elasticsearch: number;
}

export interface StepTotals {
  steps: number;
  seconds: number;
  phases: StepPhases;
  rowsCleaned: number;
  documentsIndexed: number;
  errors: number;
}

export interface ContinuousStepsOptions {
  warehouse: Warehouse;
  search?: SearchIndex;
  group: string;
  logger: Logger;
  signal?: AbortSignal;
  /** Called after each step (tests, the bench, metrics). */
  onStep?: (step: { seconds: number; phases: StepPhases; rowsCleaned: number; documentsIndexed: number; error?: Error }) => void;
}

/** The tasks' own lines are for DAG runs; in a step they would be one line per batch. */
function quiet(logger: Logger): Logger {
  return { ...logger, info: (m) => logger.debug(m), child: (s) => quiet(logger.child(s)) };
}

/** A search index whose ensure() (template, policy, retention) runs once for the process, not once per step. */
function ensuredOnce(search: SearchIndex): SearchIndex {
  let ensured: Promise<void> | undefined;
  return {
    kind: search.kind,
    name: search.name,
    url: search.url,
    ensure: () => {
      ensured ??= search.ensure().catch((error: unknown) => {
        ensured = undefined;
        throw error;
      });
      return ensured;
    },
    upsert: (docs) => search.upsert(docs),
    remove: (hours) => search.remove(hours),
    readAll: () => search.readAll(),
    close: () => search.close(),
  };
}

export class ContinuousSteps {
  readonly totals: StepTotals = {
    steps: 0,
    seconds: 0,
    phases: { lock: 0, run_transformations: 0, refresh_views: 0, index_hourly_metrics_to_elasticsearch: 0 },
    rowsCleaned: 0,
    documentsIndexed: 0,
    errors: 0,
  };
  readonly processId = `${hostname()}:${process.pid}`;
  readonly #o: ContinuousStepsOptions;
  readonly #ctx: TaskContext;
  #dirty = true;
  #stopping = false;
  #wake: (() => void) | undefined;
  #lastSummary = Date.now();
  #failures = 0;

  constructor(o: ContinuousStepsOptions) {
    this.#o = o;
    this.#ctx = {
      warehouse: o.warehouse,
      search: o.search ? ensuredOnce(o.search) : undefined,
      logger: quiet(o.logger),
      fullRefresh: false,
      logicalDate: new Date().toISOString(),
    };
  }

  /** New data committed: a step will run as soon as the current one (if any) ends. */
  kick(): void {
    this.#dirty = true;
    this.#wake?.();
  }

  /** Ends the loop after the step in progress and one last step for what committed before. */
  stop(): void {
    this.#stopping = true;
    this.#wake?.();
  }

  /** Runs steps until stop(); resolves once the last one has ended. */
  async loop(): Promise<void> {
    await this.#o.warehouse.query(sql('run/register'), [this.processId, this.#o.group]);
    try {
      for (;;) {
        const last = this.#stopping;
        if (this.#dirty || last) {
          this.#dirty = false;
          const worked = await this.#step();
          if (!worked && !last) {
            // An outage or a failure: wait before trying again (kicks do not cut the wait short).
            await sleep(backoffMs(this.#failures++));
            this.#dirty = true;
            continue;
          }
          this.#failures = 0;
        }
        if (last) break;
        if (!this.#dirty) await this.#idle(IDLE_STEP_MS);
        if (!this.#dirty && !this.#stopping) this.#dirty = true; // the periodic look
      }
    } finally {
      await this.#o.warehouse.query(sql('run/stopped'), [this.processId]).catch(() => {});
      this.#summary(true);
    }
  }

  #idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = () => {
        this.#wake = undefined;
        done();
      };
    });
  }

  /** One step under the transformations' lock; false when it failed (logged, counted). */
  async #step(): Promise<boolean> {
    const started = performance.now();
    let rowsCleaned = 0;
    let documentsIndexed = 0;
    let error: Error | undefined;
    const phases: StepPhases = { lock: 0, run_transformations: 0, refresh_views: 0, index_hourly_metrics_to_elasticsearch: 0 };
    let mark = started;
    const lap = (phase: keyof StepPhases) => {
      const now = performance.now();
      phases[phase] += (now - mark) / 1000;
      mark = now;
    };
    try {
      const ran = await this.#withTransformLock(async () => {
        lap('lock');
        const cleaned = await runTransformations(this.#ctx);
        lap('run_transformations');
        await refreshViews(this.#ctx);
        lap('refresh_views');
        const indexed = await indexHourlyMetrics(this.#ctx);
        lap('index_hourly_metrics_to_elasticsearch');
        rowsCleaned = Number(cleaned.rows ?? 0);
        documentsIndexed = Number(indexed.indexed ?? 0) + Number(indexed.removed ?? 0);
      });
      if (!ran) return true; // stopping while the DAG held the lock: nothing was started
    } catch (err) {
      error = err as Error;
      this.totals.errors++;
      const kind = isOutage(err) ? 'waiting for the warehouse' : 'will retry';
      this.#o.logger.warn(`continuous step failed (${kind}): ${error.message}`);
    }
    const seconds = (performance.now() - started) / 1000;
    this.totals.steps++;
    this.totals.seconds += seconds;
    for (const k of Object.keys(phases) as (keyof StepPhases)[]) this.totals.phases[k] += phases[k];
    this.totals.rowsCleaned += rowsCleaned;
    this.totals.documentsIndexed += documentsIndexed;
    await this.#o.warehouse
      .query(sql('run/record_step'), [this.processId, this.#o.group, seconds, rowsCleaned, documentsIndexed, error?.message ?? null])
      .catch(() => {});
    this.#o.onStep?.({ seconds, phases, rowsCleaned, documentsIndexed, error });
    this.#summary(false);
    return error === undefined;
  }

  /** Runs fn holding the transformations' lock, waiting for it (a DAG run holds it for its whole run); false if stopped meanwhile. */
  async #withTransformLock(fn: () => Promise<void>): Promise<boolean> {
    const stopping = new AbortController();
    const watch = setInterval(() => this.#stopping && stopping.abort(), 100);
    try {
      return (await withAdvisoryLockWaiting(this.#o.warehouse, TRANSFORM_LOCK, fn, { signal: stopping.signal })).acquired;
    } finally {
      clearInterval(watch);
    }
  }

  #summary(final: boolean): void {
    const now = Date.now();
    if (!final && now - this.#lastSummary < SUMMARY_MS) return;
    this.#lastSummary = now;
    const t = this.totals;
    this.#o.logger.info(
      `${final ? 'stopped after ' : ''}${t.steps} continuous step(s), ${t.rowsCleaned} rows cleaned, ${t.documentsIndexed} documents indexed, ` +
        `${t.steps > 0 ? ((t.seconds / t.steps) * 1000).toFixed(0) : 0} ms a step on average${t.errors > 0 ? `, ${t.errors} failed` : ''}`,
    );
  }
}
