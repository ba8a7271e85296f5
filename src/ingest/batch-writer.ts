/**
 * Writes prepared batches to the warehouse one at a time, in the order given, each in its own
 * transaction with retries on transient errors. After a batch fails for good, every later batch fails
 * without being written: a later batch's position would otherwise step over the failed one's records.
 *
 * On PostgreSQL the writes run on a thread of their own (write-worker.ts) with its own connection: a
 * thread that does nothing but answer the server keeps COPY data flowing and each statement's reply
 * handled at once, whatever the main thread (the log client) is busy with. PGlite lives in this
 * thread, so its writes do too.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Warehouse } from '../warehouse/port.ts';
import { isTransient, isUniqueViolation } from '../warehouse/transient.ts';
import { StaleBatchError, writeBatch, type BatchOutcome, type Source } from './apply-batch.ts';
import type { RecentIds } from './id-set.ts';
import type { PreparedBatch } from './prepare-batch.ts';

export interface BatchWriter {
  write(prepared: PreparedBatch): Promise<BatchOutcome>;
  close(): Promise<void>;
}

export interface WriteSettings {
  source: Source;
  /** Attempts per batch on transient warehouse errors (deadlock, serialization, lost connection). */
  attempts: number;
}

/**
 * One batch: optimistic first, careful after a redelivery or an unexpected duplicate id, and retried
 * with backoff on transient errors (and on a unique violation in the careful write: another process
 * won a race).
 */
export async function writeWithRetries(
  warehouse: Warehouse,
  settings: WriteSettings,
  prepared: PreparedBatch,
  recent: RecentIds,
  warn: (line: string) => void,
): Promise<BatchOutcome> {
  let careful = false;
  for (let attempt = 1; ; attempt++) {
    try {
      const outcome = await warehouse.transaction((tx) => writeBatch(tx, settings.source, prepared, recent, careful));
      if (outcome.insertedIds) recent.addAll(outcome.insertedIds);
      return outcome;
    } catch (err) {
      // The optimistic write met a redelivery or an id it could not know: the careful write handles both.
      if (!careful && (err instanceof StaleBatchError || isUniqueViolation(err))) {
        careful = true;
        attempt--; // not a failed attempt: the same batch, the other way
        continue;
      }
      if (attempt >= settings.attempts || !(isTransient(err) || isUniqueViolation(err))) throw err;
      warn(`batch failed (attempt ${attempt}/${settings.attempts}), retrying: ${(err as Error).message}`);
      careful = true;
      await sleep(100 * 2 ** attempt);
    }
  }
}

/** Runs jobs one at a time in order; once one fails, the later ones fail without running. */
export class FailStopQueue {
  #chain: Promise<unknown> = Promise.resolve();
  #failure: Error | undefined;

  run<T>(job: () => Promise<T>): Promise<T> {
    const result = this.#chain.then(async () => {
      if (this.#failure) throw new Error(`batch not written: an earlier batch failed (${this.#failure.message})`);
      try {
        return await job();
      } catch (err) {
        this.#failure ??= err as Error;
        throw err;
      }
    });
    this.#chain = result.catch(() => {});
    return result;
  }

  /** Resolves once every queued job has settled. */
  idle(): Promise<void> {
    return this.#chain.then(() => {});
  }
}
