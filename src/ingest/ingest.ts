/**
 * The ingest loop: topic → raw table, batch by batch. Each batch is applied in one warehouse
 * transaction (rows, dead letters, duplicates, changed hours, position); only after it commits is the
 * log told (Kafka offsets). A crash anywhere replays from the last committed position, and the stored
 * position makes the replay change nothing.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { EventLog } from '../log/port.ts';
import type { Warehouse } from '../warehouse/port.ts';
import type { Logger } from '../observe/logger.ts';
import { sql } from '../sql.ts';
import { applyBatch, emptyOutcome, type BatchOutcome } from './apply-batch.ts';
import { isTransient } from '../warehouse/transient.ts';

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

export interface IngestTotals extends Omit<BatchOutcome, 'hours'> {
  batches: number;
  seconds: number;
}

export async function runIngest(o: IngestOptions): Promise<IngestTotals> {
  const started = performance.now();
  const totals: IngestTotals = { ...emptyOutcome(), batches: 0, seconds: 0 };
  delete (totals as Partial<BatchOutcome>).hours;
  const attempts = o.attempts ?? 5;
  const source = { topic: o.log.topic, group: o.group };
  let lastReport = started;

  const batches = o.log.consume({
    group: o.group,
    maxBatch: o.batchSize,
    untilIdle: o.untilIdle,
    signal: o.signal,
    startPositions: async (partitions) => {
      const rows = await o.warehouse.query<{ partition: number; next_offset: string }>(sql('log/positions'), [
        o.group,
        o.log.topic,
      ]);
      return new Map(rows.filter((r) => partitions.includes(r.partition)).map((r) => [r.partition, BigInt(r.next_offset)]));
    },
  });

  for await (const batch of batches) {
    let outcome: BatchOutcome | undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        outcome = await o.warehouse.transaction((tx) => applyBatch(tx, source, batch.records));
        break;
      } catch (err) {
        if (attempt >= attempts || !isTransient(err)) throw err;
        o.logger.warn(`batch failed (attempt ${attempt}/${attempts}), retrying: ${(err as Error).message}`);
        await sleep(100 * 2 ** attempt);
      }
    }
    await batch.commit();
    totals.batches++;
    for (const k of ['received', 'alreadyApplied', 'inserted', 'duplicates', 'deadLetters'] as const) totals[k] += outcome[k];
    totals.seconds = (performance.now() - started) / 1000;
    o.onBatch?.(outcome, totals);
    o.logger.debug(`batch committed: ${outcome.received} records, ${outcome.inserted} rows, ${outcome.duplicates} duplicates, ${outcome.deadLetters} dead letters`);
    const now = performance.now();
    if (now - lastReport > 5000) {
      lastReport = now;
      o.logger.info(
        `${totals.received} records (${Math.round(totals.received / totals.seconds)}/s): ${totals.inserted} rows, ${totals.duplicates} duplicates, ${totals.deadLetters} dead letters`,
      );
    }
  }
  totals.seconds = (performance.now() - started) / 1000;
  return totals;
}
