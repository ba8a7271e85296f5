/**
 * One process's observation of the pipeline: its metrics registry, the alert evaluation (after each DAG
 * run, and on demand: the demo calls it every few seconds) and the webhook. One per opened runtime:
 * `observe(rt)` makes it on first use and returns the same one after, so the DAG runner (through
 * DagDeps.observer), the ingest (through its hooks) and /metrics (renderMetrics) share it.
 *
 *   runIngest({ …, ...observe(rt).ingestHooks(rt.warehouse) })
 *   runDag({ ...rt, observer: observe(rt) }, …)      // the CLI's withRuntime hands commands rt.observer
 *   await observe(rt).settle()                         // before closing: lets webhook deliveries finish
 */
import type { Runtime } from '../runtime.ts';
import type { DagObserver, DagRunResult, TaskOutcome } from '../dag/runner.ts';
import type { IngestOptions } from '../ingest/ingest.ts';
import type { RunPipelineOptions } from '../run/run.ts';
import type { OpenWriterOptions, Warehouse, Writer, WriterSpec } from '../warehouse/port.ts';
import { type AlertChange, evaluateAlerts } from './alerts.ts';
import type { Logger } from './logger.ts';
import { ProcessMetrics } from './process-metrics.ts';
import { AlertWebhook } from './webhook.ts';

/** A runtime whose commands report to an observer (what the CLI's withRuntime hands them). */
export type ObservedRuntime = Runtime & { observer: PipelineObserver };

type Observed = Pick<Runtime, 'config' | 'warehouse' | 'log' | 'logger'>;

export class PipelineObserver implements DagObserver {
  readonly #rt: Observed;
  readonly #log: Logger;
  #metrics: ProcessMetrics | undefined;
  #webhook: AlertWebhook | undefined;
  /** Evaluations run one after another: the one after a run must see that run's results. */
  #evaluations: Promise<unknown> = Promise.resolve();

  constructor(rt: Observed, o: { webhook?: { attempts?: number; backoffMs?: number; timeoutMs?: number } } = {}) {
    this.#rt = rt;
    this.#log = rt.logger.child('alerts');
    const url = rt.config.alerts.webhookUrl;
    if (url) {
      this.#webhook = new AlertWebhook(url, {
        logger: this.#log,
        db: rt.warehouse,
        delivered: (ok) => this.metrics.webhookDelivered(ok),
        ...o.webhook,
      });
    }
  }

  /** This process's registry (made on first use: a command that never counts never starts prom-client). */
  get metrics(): ProcessMetrics {
    this.#metrics ??= new ProcessMetrics();
    return this.#metrics;
  }

  /**
   * What runIngest needs to feed the registry: `onBatch` (one call per committed batch) and the warehouse
   * to write through, the same one with each batch's write timed (one clock read per batch).
   */
  ingestHooks(warehouse: Warehouse): Pick<IngestOptions, 'warehouse' | 'onBatch'> {
    const hooks = this.metrics.ingestHooks();
    return { warehouse: timedWrites(warehouse, hooks.written), onBatch: hooks.onBatch };
  }

  /** What runPipeline (`txpipe run`) needs: the ingest's hooks, and `onStep` for its continuous steps. */
  runHooks(warehouse: Warehouse): Pick<RunPipelineOptions, 'warehouse' | 'onBatch' | 'onStep'> {
    return { ...this.ingestHooks(warehouse), onStep: (step) => this.metrics.stepEnded(step) };
  }

  taskEnded(outcome: TaskOutcome): void {
    this.metrics.taskEnded(outcome);
  }

  /** After each run (not one turned away by the lock: the run holding it evaluates): metrics, then alerts. */
  async runEnded(result: DagRunResult): Promise<void> {
    this.metrics.runEnded(result);
    if (result.state !== 'locked') await this.evaluateAlerts();
  }

  /**
   * Evaluates the alert rules once: each change is logged (one line), counted, and sent to the webhook
   * without waiting for it. Throws what the warehouse throws.
   */
  evaluateAlerts(now?: Date): Promise<AlertChange[]> {
    const run = async () => {
      const changes = await evaluateAlerts(this.#rt.warehouse, {
        rules: this.#rt.config.alerts,
        consumer: { group: this.#rt.config.group, topic: this.#rt.log.topic },
        now,
        logger: this.#log,
      });
      for (const c of changes) {
        this.metrics.alertChanged(c);
        this.#webhook?.send(c);
      }
      return changes;
    };
    const next = this.#evaluations.then(run, run);
    this.#evaluations = next.catch(() => {});
    return next;
  }

  /** Waits for the webhook deliveries under way (bounded by their tries and timeouts). */
  async settle(): Promise<void> {
    await this.#evaluations;
    await this.#webhook?.settle();
  }
}

const observers = new WeakMap<Observed, PipelineObserver>();

/** The observer of this runtime: made on first call, the same one after. */
export function observe(rt: Observed): PipelineObserver {
  let o = observers.get(rt);
  if (!o) {
    o = new PipelineObserver(rt);
    observers.set(rt, o);
  }
  return o;
}

/**
 * The warehouse as it is, except that writers it opens time each write (from hand-over to result): the
 * ingest's only writer is its batch writer, so that is each batch's time to commit.
 */
function timedWrites(warehouse: Warehouse, written: (seconds: number) => void): Warehouse {
  return {
    kind: warehouse.kind,
    query: (text, params) => warehouse.query(text, params),
    exec: (text) => warehouse.exec(text),
    transaction: (fn, options) => warehouse.transaction(fn, options),
    withAdvisoryLock: (key, fn) => warehouse.withAdvisoryLock(key, fn),
    close: () => warehouse.close(),
    openWriter: async <Options, In, Out>(spec: WriterSpec<Options>, options: OpenWriterOptions<In>): Promise<Writer<In, Out>> => {
      const writer = await warehouse.openWriter<Options, In, Out>(spec, options);
      return {
        write: (input) => {
          const started = performance.now();
          return writer.write(input).then((out) => {
            written((performance.now() - started) / 1000);
            return out;
          });
        },
        close: () => writer.close(),
      };
    },
  };
}
