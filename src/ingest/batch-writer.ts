/**
 * Writes prepared batches to the warehouse in the order given, each in its own transaction with retries
 * on transient errors. Commits happen in that order, and after a batch fails for good no later batch
 * commits: a later batch's position would otherwise step over the failed one's records.
 *
 * On PostgreSQL the writes run on a thread of their own (write-worker.ts) with two connections and two
 * batches in flight (PipelinedWriter): a thread that does nothing but answer the server keeps COPY data
 * flowing and each statement's reply handled at once, whatever the main thread (the log client) is busy
 * with. PGlite lives in this thread, so its writes do too, one at a time (FailStopQueue).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Warehouse } from '../warehouse/port.ts';
import { isTransient, isUniqueViolation } from '../warehouse/transient.ts';
import { StaleBatchError, writeBatch, type BatchOrder, type BatchOutcome, type Source } from './apply-batch.ts';
import { IdTable, type RecentIds } from './id-set.ts';
import { ROW, type PreparedBatch } from './prepare-batch.ts';

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
  order?: BatchOrder,
): Promise<BatchOutcome> {
  let careful = false;
  for (let attempt = 1; ; attempt++) {
    try {
      // The careful way reads positions and ids first: only once the previous batch has committed.
      if (careful && order) await order.predecessor;
      const outcome = await warehouse.transaction((tx) => writeBatch(tx, settings.source, prepared, recent, careful, careful ? undefined : order));
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

/**
 * Writes batches two at a time on two connections, in order: batch N's rows go in while batch N-1
 * records its bookkeeping and commits (its round trips and WAL flush overlap N's COPY), but N records
 * its own bookkeeping and positions only after N-1 has committed, and fails without committing if N-1
 * failed. N's rows never include an id of N-1's (counted as duplicates instead), so the two never wait
 * on each other's uncommitted keys.
 */
export class PipelinedWriter implements BatchWriter {
  readonly #write: (prepared: PreparedBatch, order: BatchOrder) => Promise<BatchOutcome>;
  #last: Promise<void> = Promise.resolve();
  #beforeLast: Promise<void> = Promise.resolve();
  #lastIds: IdTable | undefined;
  #failure: Error | undefined;

  /** `write` runs one batch (writeWithRetries with the order given); the warehouse needs two connections. */
  constructor(write: (prepared: PreparedBatch, order: BatchOrder) => Promise<BatchOutcome>) {
    this.#write = write;
  }

  write(prepared: PreparedBatch): Promise<BatchOutcome> {
    const predecessor = this.#last;
    const twoBack = this.#beforeLast;
    const pending = this.#lastIds;
    const after = predecessor.catch((err: Error) => {
      throw new Error(`batch not written: an earlier batch failed (${err.message})`);
    });
    after.catch(() => {}); // awaited by the write when it gets there; it may fail before it does
    const job = (async () => {
      await twoBack.catch(() => {}); // at most two batches in the database at once
      if (this.#failure) throw new Error(`batch not written: an earlier batch failed (${this.#failure.message})`);
      try {
        return await this.#write(prepared, { predecessor: after, pending });
      } catch (err) {
        this.#failure ??= err as Error;
        throw err;
      }
    })();
    this.#beforeLast = predecessor;
    this.#last = job.then(() => {});
    this.#last.catch(() => {});
    this.#lastIds = rowIds(prepared);
    return job;
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.#beforeLast, this.#last]);
  }
}

/** The transaction_ids of a prepared batch's rows. */
function rowIds(p: PreparedBatch): IdTable {
  const table = new IdTable(Math.max(1, p.rows));
  for (let i = 0; i < p.count; i++) if (p.kinds[i] === ROW) table.add(p.ids, i * 4);
  return table;
}
