/**
 * The ingest's writer, started by Warehouse.openWriter (on PostgreSQL it runs on a thread of its own):
 * prepared batches in, numbered by the pipeline, outcomes out. Up to `depth` batches are in the database
 * at once on `depth` connections: batch N's rows are COPYed while N − 1 records its bookkeeping and
 * commits, but N records its own only after N − 1 has committed (CommitOrder), and fails without
 * committing if N − 1 failed. N treats N − 1's ids as known, so the two never wait on each other's
 * uncommitted keys.
 */
import type { Warehouse, Writer } from '../warehouse/port.ts';
import type { ConsumerKey } from '../warehouse/consumer-offsets.ts';
import { CommitOrder } from './commit-order.ts';
import { IdTable, RecentIds } from './id-set.ts';
import { ROW, revivePrepared, type PreparedBatch } from './prepare-batch.ts';
import { writeBatch, type BatchOutcome } from './write-batch.ts';

export interface WriterOptions {
  consumer: ConsumerKey;
  /** Batches in the database at once (the connections the warehouse gave the writer). */
  depth: number;
  /** Tries of a batch that meets a concurrent writer. */
  attempts: number;
}

export interface WriteRequest {
  /** The batch's place in the pipeline: 0, 1, 2, … with no gaps. */
  seq: number;
  batch: PreparedBatch;
}

export function createWriter(warehouse: Warehouse, options: WriterOptions, warn: (line: string) => void): Writer<WriteRequest, BatchOutcome> {
  const order = new CommitOrder();
  const recent = new RecentIds();
  const pending = new Set<Promise<unknown>>();
  let previous: { seq: number; batch: PreparedBatch; rows: IdTable } | undefined;

  async function write(seq: number, batch: PreparedBatch, before: typeof previous): Promise<BatchOutcome> {
    try {
      await order.committed(seq - options.depth + 1);
      const { outcome, stored } = await writeBatch(
        warehouse,
        batch,
        { consumer: options.consumer, recent, previous: before, predecessor: () => order.committed(seq) },
        { attempts: options.attempts, warn },
      );
      order.done(seq);
      recent.remember(batch, stored);
      return outcome;
    } catch (err) {
      order.failed(seq, err as Error);
      throw err;
    }
  }

  return {
    write({ seq, batch: sent }) {
      const batch = revivePrepared(sent);
      const before = previous?.seq === seq - 1 ? previous : undefined;
      previous = { seq, batch, rows: rowIndex(batch) };
      const job = write(seq, batch, before);
      pending.add(job);
      void job.catch(() => {}).finally(() => pending.delete(job));
      return job;
    },
    async close() {
      await Promise.allSettled(pending);
    },
  };
}

/** The batch's ROW records by transaction_id. */
function rowIndex(p: PreparedBatch): IdTable {
  const table = new IdTable(Math.max(1, p.rows));
  for (let i = 0; i < p.count; i++) if (p.kinds[i] === ROW) table.set(p.ids, i * 4, i);
  return table;
}
