/**
 * What this process counts as it works, in a registry of its own (never prom-client's global one, so
 * several can live in one process, as in the tests): the ingest's records and batches, the DAG runs and
 * tasks it ran, the continuous steps of `txpipe run`, the documents it indexed, the alerts it fired. Everything here is fed once per batch,
 * task, run or alert, never per record. What the warehouse knows (lag, freshness, run history, open
 * alerts) is read at scrape time instead (metrics.ts), so any process reports it.
 */
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { BatchOutcome } from '../ingest/write-batch.ts';
import type { IngestTotals } from '../ingest/ingest.ts';
import type { DagRunResult, TaskOutcome } from '../dag/runner.ts';
import { TASKS, type TaskId } from '../dag/process-kafka-to-postgres.ts';
import { ALERT_RULES, type AlertChange } from './alerts.ts';
import type { ContinuousStepsOptions } from '../run/continuous-steps.ts';

type StepReport = Parameters<NonNullable<ContinuousStepsOptions['onStep']>>[0];

export const PREFIX = 'txpipe_';

const RUN_STATES = ['success', 'failed', 'locked'] as const;
const TASK_STATES = ['success', 'failed', 'skipped', 'upstream_failed'] as const;
const INDEX_TASK: TaskId = 'index_hourly_metrics_to_elasticsearch';
const SECONDS_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];

export class ProcessMetrics {
  readonly registry = new Registry();

  readonly #consumed = this.#counter(
    'messages_consumed_total',
    'Records the ingest took from the topic (replays below the stored position included).',
  );
  readonly #alreadyApplied = this.#counter(
    'messages_already_applied_total',
    'Records below the stored position: applied by an earlier delivery, skipped.',
  );
  readonly #rows = this.#counter('rows_written_total', 'Raw rows written to transactions (replacements by earlier-sorting deliveries included).');
  readonly #deadLetters = this.#counter('dead_letters_total', 'Records that were not valid events, written to dead_letters.');
  readonly #duplicates = this.#counter('duplicates_total', 'Deliveries of a transaction_id that lost to another, written to duplicate_events.');
  readonly #restarts = this.#counter(
    'ingest_restarts_total',
    'Times the ingest started over after PostgreSQL or Kafka went away (counted at the next committed batch).',
  );
  readonly #batchRecords = new Histogram({
    name: `${PREFIX}ingest_batch_records`,
    help: 'Records per committed ingest batch.',
    buckets: [1, 10, 100, 500, 1000, 2500, 5000, 10_000, 25_000, 50_000, 100_000],
    registers: [this.registry],
  });
  readonly #writeSeconds = new Histogram({
    name: `${PREFIX}ingest_write_seconds`,
    help: 'From a batch handed to the writer to its commit (batches commit in order, so this includes waiting for the one before).',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly #runs = new Counter({
    name: `${PREFIX}dag_runs_total`,
    help: 'Runs of process_kafka_to_postgres this process ran, by outcome (locked: another run held the lock).',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });
  readonly #runSeconds = new Histogram({
    name: `${PREFIX}dag_run_duration_seconds`,
    help: 'Duration of the runs of process_kafka_to_postgres this process ran, by outcome.',
    labelNames: ['state'] as const,
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });
  readonly #taskSeconds = new Histogram({
    name: `${PREFIX}dag_task_duration_seconds`,
    help: 'Duration of the tasks this process ran (all tries), by task and outcome.',
    labelNames: ['task', 'state'] as const,
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });
  readonly #steps = new Counter({
    name: `${PREFIX}continuous_steps_total`,
    help: 'Continuous steps of txpipe run (not DAG runs) this process ran, by outcome.',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });
  readonly #stepSeconds = new Histogram({
    name: `${PREFIX}continuous_step_seconds`,
    help: 'Duration of the continuous steps of txpipe run, by phase (lock wait, the three tasks) and in all.',
    labelNames: ['phase'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly #rowsCleaned = this.#counter('continuous_rows_cleaned_total', 'Rows the continuous steps of txpipe run cleaned into transactions_clean.');
  readonly #indexed = this.#counter('documents_indexed_total', 'hourly_metrics documents the search engine accepted.');
  readonly #indexErrors = this.#counter('index_errors_total', 'Failed tries of index_hourly_metrics_to_elasticsearch.');
  readonly #fired = new Counter({
    name: `${PREFIX}alerts_fired_total`,
    help: 'Alerts this process fired, by rule.',
    labelNames: ['rule'] as const,
    registers: [this.registry],
  });
  readonly #resolved = new Counter({
    name: `${PREFIX}alerts_resolved_total`,
    help: 'Alerts this process resolved, by rule.',
    labelNames: ['rule'] as const,
    registers: [this.registry],
  });
  readonly #webhook = new Counter({
    name: `${PREFIX}alert_webhook_deliveries_total`,
    help: 'Alert webhook deliveries, by result (after their retries).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  constructor(o: { processMetrics?: boolean } = {}) {
    // Series that exist from the start, at zero, so a rate over them is defined before the first event.
    for (const state of RUN_STATES) this.#runs.labels(state).inc(0);
    for (const task of TASKS) for (const state of TASK_STATES) this.#taskSeconds.labels(task.id, state);
    for (const rule of ALERT_RULES) {
      this.#fired.labels(rule).inc(0);
      this.#resolved.labels(rule).inc(0);
    }
    for (const result of ['delivered', 'failed']) this.#webhook.labels(result).inc(0);
    for (const state of ['success', 'failed']) this.#steps.labels(state).inc(0);
    if (o.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: PREFIX });
  }

  /**
   * The ingest's hooks: `onBatch` for IngestOptions (one call per committed batch), `written` for each
   * batch's write time. One set per runIngest call (restarts are counted from its totals).
   */
  ingestHooks(): { onBatch: (outcome: BatchOutcome, totals: IngestTotals) => void; written: (seconds: number) => void } {
    let restarts = 0;
    return {
      onBatch: (outcome, totals) => {
        this.#consumed.inc(outcome.received);
        this.#alreadyApplied.inc(outcome.alreadyApplied);
        this.#rows.inc(outcome.inserted);
        this.#deadLetters.inc(outcome.deadLetters);
        this.#duplicates.inc(outcome.duplicates);
        this.#batchRecords.observe(outcome.received);
        if (totals.restarts > restarts) {
          this.#restarts.inc(totals.restarts - restarts);
          restarts = totals.restarts;
        }
      },
      written: (seconds) => this.#writeSeconds.observe(seconds),
    };
  }

  taskEnded(o: TaskOutcome): void {
    this.#taskSeconds.labels(o.taskId, o.state).observe(o.seconds);
    if (o.taskId !== INDEX_TASK) return;
    const indexed = o.summary?.indexed;
    if (typeof indexed === 'number') this.#indexed.inc(indexed);
    const failedTries = o.tries - (o.state === 'failed' ? 0 : 1);
    if (failedTries > 0) this.#indexErrors.inc(failedTries);
  }

  /** One continuous step of `txpipe run` (ContinuousStepsOptions.onStep). */
  stepEnded(step: StepReport): void {
    this.#steps.labels(step.error ? 'failed' : 'success').inc();
    this.#stepSeconds.labels('all').observe(step.seconds);
    for (const [phase, seconds] of Object.entries(step.phases)) this.#stepSeconds.labels(phase).observe(seconds);
    this.#rowsCleaned.inc(step.rowsCleaned);
    this.#indexed.inc(step.documentsIndexed);
  }

  runEnded(r: DagRunResult): void {
    this.#runs.labels(r.state).inc();
    this.#runSeconds.labels(r.state).observe(r.seconds);
  }

  alertChanged(c: AlertChange): void {
    (c.change === 'fired' ? this.#fired : this.#resolved).labels(c.alert.rule).inc();
  }

  webhookDelivered(ok: boolean): void {
    this.#webhook.labels(ok ? 'delivered' : 'failed').inc();
  }

  #counter(name: string, help: string): Counter {
    return new Counter({ name: `${PREFIX}${name}`, help, registers: [this.registry] });
  }
}
