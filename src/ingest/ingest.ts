/**
 * The ingest loop: topic → raw table, batch by batch. Each batch is applied in one warehouse
 * transaction (rows, dead letters, duplicates, changed hours, position); only after it commits is the
 * log told (Kafka offsets). A crash anywhere replays from the last committed position, and the stored
 * position makes the replay change nothing.
 */
import type { ConsumeOptions, EventLog, LogBatch } from '../log/port.ts';
import type { Warehouse } from '../warehouse/port.ts';
import type { Logger } from '../observe/logger.ts';
import { sql } from '../sql.ts';
import type { BatchOutcome } from './apply-batch.ts';
import { BatchPreparer, type PreparedBatch } from './prepare-batch.ts';
import { openBatchWriter } from './write-thread.ts';

/** Batches handed to the writer before waiting for the oldest: two in the database, one ready behind them. */
const WRITES_AHEAD = 3;

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
  /** Attempts per batch on transient warehouse errors (deadlock, serialization, lost connection). */
  attempts?: number;
}

export type IngestTotals = Pick<BatchOutcome, 'received' | 'alreadyApplied' | 'inserted' | 'duplicates' | 'deadLetters'> & {
  batches: number;
  seconds: number;
};

export async function runIngest(o: IngestOptions): Promise<IngestTotals> {
  const started = performance.now();
  const totals: IngestTotals = { received: 0, alreadyApplied: 0, inserted: 0, duplicates: 0, deadLetters: 0, batches: 0, seconds: 0 };
  const attempts = o.attempts ?? 5;
  const source = { topic: o.log.topic, group: o.group };
  let lastReport = started;

  let commits: Promise<void> = Promise.resolve();
  let lastWrite: Promise<void> = Promise.resolve();
  // The log hands each record to the preparer as it reads it: the record's own objects die young, and
  // a batch arrives already validated and encoded as COPY text.
  const consumeOptions: ConsumeOptions = {
    beforeClose: () => lastWrite,
    group: o.group,
    maxBatch: o.batchSize,
    untilIdle: o.untilIdle,
    signal: o.signal,
    startPositions: async (partitions) => {
      const rows = await o.warehouse.query<{ partition: number; next_offset: string }>(sql('log/positions'), [o.group, o.log.topic]);
      return new Map(rows.filter((r) => partitions.includes(r.partition)).map((r) => [r.partition, BigInt(r.next_offset)]));
    },
  };
  const batches = o.log.consume(consumeOptions, new BatchPreparer(o.batchSize));

  // Pipelined over two threads: while the write thread has PostgreSQL apply batches N and N+1 (and
  // holds N+2 ready), this thread fetches the next records, validates them and encodes their COPY text.
  // Positions are committed to the log in order, off the critical path: a lost commit only means
  // redelivery, which the stored positions make harmless.
  const writer = openBatchWriter(o.warehouse, { source, attempts }, o.logger);
  const iterator = batches[Symbol.asyncIterator]();
  let current: IteratorResult<LogBatch<PreparedBatch>> = { done: true, value: undefined };
  const inflight: Promise<BatchOutcome>[] = [];
  const account = (outcome: BatchOutcome) => {
    totals.batches++;
    for (const k of ['received', 'alreadyApplied', 'inserted', 'duplicates', 'deadLetters'] as const) totals[k] += outcome[k];
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
  try {
    current = await iterator.next();
    while (!current.done) {
      const prepared = current.value.batch;
      const commit = current.value.commit;
      // The log commit hangs off the write itself, not off this loop, so it is issued even while the
      // loop waits for a next batch that the log may be ending (beforeClose waits for it).
      const writing = writer.write(prepared).then((outcome) => {
        commits = commits.then(() =>
          commit().catch((err: unknown) =>
            o.logger.warn(`position commit to the log failed (records will be redelivered and skipped): ${(err as Error).message}`),
          ),
        );
        return outcome;
      });
      lastWrite = writing.then(
        () => commits,
        () => {},
      );
      writing.catch(() => {}); // awaited below; this only keeps it from counting as unhandled meanwhile
      inflight.push(writing);
      if (inflight.length >= WRITES_AHEAD) account(await inflight.shift()!);
      current = await iterator.next();
    }
    while (inflight.length > 0) account(await inflight.shift()!);
  } finally {
    await Promise.allSettled(inflight);
    await commits;
    if (!current.done) await iterator.return?.();
    await writer.close();
  }
  totals.seconds = (performance.now() - started) / 1000;
  return totals;
}
