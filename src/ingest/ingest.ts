/**
 * The ingest loop: topic → raw table, batch by batch, through the write pipeline (pipeline.ts). Each
 * batch is applied in one warehouse transaction (rows, dead letters, duplicates, changed hours,
 * positions); only after it commits is the log told. A crash anywhere replays from the stored
 * positions, and they make the replay change nothing.
 *
 * That is also how it survives its servers: when PostgreSQL or Kafka goes away, the pipeline stops
 * (nothing after the last committed batch commits), and after a backoff the ingest starts over from the
 * stored positions, until the server answers again. Before anything has worked the retries are
 * bounded, so a wrong address fails in seconds instead of waiting forever.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { EventLimits } from '../events/limits.ts';
import type { EventLog } from '../log/port.ts';
import type { Logger } from '../observe/logger.ts';
import { backoffMs, isOutage, OutageLog, outageServer } from '../observe/outage.ts';
import { readConsumerOffsets, type ConsumerKey } from '../warehouse/consumer-offsets.ts';
import type { Warehouse } from '../warehouse/port.ts';
import { BatchPipeline, PIPELINE_DEPTH } from './pipeline.ts';
import { BatchPreparer } from './prepare-batch.ts';
import { openIngestWriter } from './open-writer.ts';
import type { BatchOutcome } from './write-batch.ts';

/** Outage retries before anything has worked: about half a minute in all. */
const STARTUP_RETRIES = 6;

export interface IngestOptions {
  warehouse: Warehouse;
  log: EventLog;
  group: string;
  batchSize: number;
  untilIdle: boolean;
  signal?: AbortSignal;
  logger: Logger;
  /** Called after each committed batch (progress, metrics). */
  onBatch?: (outcome: BatchOutcome, totals: IngestTotals) => void;
  /** Tries of a batch that meets a concurrent writer (deadlock, serialization, lock timeout, racing insert). */
  attempts?: number;
  /** Message size limit and event time window (config `events`); the defaults of events/limits.ts when left out. */
  limits?: EventLimits;
}

export type IngestTotals = Pick<BatchOutcome, 'received' | 'alreadyApplied' | 'inserted' | 'replaced' | 'duplicates' | 'deadLetters'> & {
  batches: number;
  seconds: number;
  /** Times the ingest started over after an outage. */
  restarts: number;
};

const COUNTS = ['received', 'alreadyApplied', 'inserted', 'replaced', 'duplicates', 'deadLetters'] as const;

export async function runIngest(o: IngestOptions): Promise<IngestTotals> {
  const started = performance.now();
  const totals: IngestTotals = {
    received: 0,
    alreadyApplied: 0,
    inserted: 0,
    replaced: 0,
    duplicates: 0,
    deadLetters: 0,
    batches: 0,
    seconds: 0,
    restarts: 0,
  };
  const outages = new OutageLog(o.logger);
  let worked = false;
  let lastReport = started;
  const account = (outcome: BatchOutcome) => {
    worked = true;
    totals.batches++;
    for (const k of COUNTS) totals[k] += outcome[k];
    totals.seconds = (performance.now() - started) / 1000;
    o.onBatch?.(outcome, totals);
    o.logger.debug(
      `batch committed: ${outcome.received} records, ${outcome.inserted} rows, ${outcome.duplicates} duplicates, ${outcome.deadLetters} dead letters`,
    );
    const now = performance.now();
    if (now - lastReport > 5000) {
      lastReport = now;
      o.logger.info(
        `${totals.received} records (${Math.round(totals.received / totals.seconds)}/s): ${totals.inserted} rows, ${totals.duplicates} duplicates, ${totals.deadLetters} dead letters`,
      );
    }
  };

  let server = 'the servers';
  for (let failures = 0; ; failures++) {
    try {
      await ingestOnce(o, account, () => {
        worked = true;
        outages.up(server);
        failures = 0;
      });
      break;
    } catch (err) {
      if (o.signal?.aborted || !isOutage(err) || (!worked && failures >= STARTUP_RETRIES)) throw err;
      server = outageServer(err);
      outages.down(server, err);
      totals.restarts++;
      try {
        await sleep(backoffMs(failures), undefined, { signal: o.signal });
      } catch {
        break; // stopped while waiting: what was committed stays committed
      }
    }
  }
  totals.seconds = (performance.now() - started) / 1000;
  return totals;
}

/** One pass: a writer, a subscription and the pipeline between them, until idle, aborted or failed. */
async function ingestOnce(o: IngestOptions, committed: (outcome: BatchOutcome) => void, reachable: () => void): Promise<void> {
  const consumer: ConsumerKey = { group: o.group, topic: o.log.topic };
  const writer = await openIngestWriter(o.warehouse, consumer, (line) => o.logger.warn(line), o.attempts);
  const pipeline = new BatchPipeline(writer, {
    committed,
    logCommitFailed: (e) => o.logger.warn(`position commit to the log failed (records will be redelivered and skipped): ${e.message}`),
  });
  // The log hands each record to the preparer as it reads it: the record's own objects die young, and
  // a batch arrives already validated and encoded as COPY text.
  const subscription = o.log.consume(
    {
      group: o.group,
      maxBatch: o.batchSize,
      untilIdle: o.untilIdle,
      signal: o.signal,
      readAhead: PIPELINE_DEPTH,
      startAt: async (partitions) => {
        const stored = await readConsumerOffsets(o.warehouse, consumer);
        reachable();
        return new Map([...stored].filter(([p]) => partitions.includes(p)));
      },
    },
    new BatchPreparer(o.batchSize, o.limits),
  );
  let failure: unknown;
  try {
    for await (const batch of subscription) await pipeline.push(batch);
  } catch (err) {
    failure = err;
  }
  try {
    await pipeline.drain();
  } catch (err) {
    failure ??= err;
  }
  await subscription.close();
  await writer.close();
  if (failure !== undefined) throw failure;
}
