/**
 * `txpipe run`, the long-running production process: ingest follows the topic, and after batches commit
 * the continuous steps (continuous-steps.ts) bring transactions_clean, hourly_metrics and the search
 * index up to date for exactly the new data, so the metrics are seconds old. The hourly DAG
 * (built in or in Airflow) keeps running beside it as the authority: reruns, backfills, full refreshes.
 * Aborting (SIGTERM) finishes the current batch and step, runs one last step, and returns.
 */
import { runIngest, type IngestTotals } from '../ingest/ingest.ts';
import type { BatchOutcome } from '../ingest/write-batch.ts';
import type { EventLimits } from '../events/limits.ts';
import type { EventLog } from '../log/port.ts';
import type { Logger } from '../observe/logger.ts';
import type { SearchIndex } from '../search/port.ts';
import type { Warehouse } from '../warehouse/port.ts';
import { ContinuousSteps, type ContinuousStepsOptions, type StepTotals } from './continuous-steps.ts';

export interface RunPipelineOptions {
  warehouse: Warehouse;
  log: EventLog;
  search?: SearchIndex;
  group: string;
  batchSize: number;
  /** Message size limit and event time window (config `events`). */
  limits?: EventLimits;
  /** Stop once caught up (after a last step) instead of following. */
  untilIdle?: boolean;
  signal?: AbortSignal;
  logger: Logger;
  onBatch?: (outcome: BatchOutcome, totals: IngestTotals) => void;
  onStep?: ContinuousStepsOptions['onStep'];
}

export interface RunPipelineTotals {
  ingest: IngestTotals;
  steps: StepTotals;
}

export async function runPipeline(o: RunPipelineOptions): Promise<RunPipelineTotals> {
  await o.log.ensureTopic();
  const steps = new ContinuousSteps({
    warehouse: o.warehouse,
    search: o.search,
    group: o.group,
    logger: o.logger.child('steps'),
    signal: o.signal,
    onStep: o.onStep,
  });
  const stepping = steps.loop();
  try {
    const ingest = await runIngest({
      warehouse: o.warehouse,
      log: o.log,
      group: o.group,
      batchSize: o.batchSize,
      limits: o.limits,
      untilIdle: o.untilIdle ?? false,
      signal: o.signal,
      logger: o.logger.child('ingest'),
      onBatch: (outcome, totals) => {
        // Dead letters and duplicates change no metric: only new rows call for a step.
        if (outcome.inserted > 0) steps.kick();
        o.onBatch?.(outcome, totals);
      },
    });
    return { ingest, steps: steps.totals };
  } finally {
    steps.stop();
    await stepping;
  }
}
