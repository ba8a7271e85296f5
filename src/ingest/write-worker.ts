/**
 * The write thread: prepared batches in, outcomes out, committed in order on its own two PostgreSQL
 * connections (see batch-writer.ts for why a thread, and PipelinedWriter for the ordering).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PostgresWarehouse } from '../warehouse/postgres/postgres-warehouse.ts';
import { PipelinedWriter, writeWithRetries, type WriteSettings } from './batch-writer.ts';
import { RecentIds } from './id-set.ts';
import { revivePrepared, type PreparedBatch } from './prepare-batch.ts';
import type { BatchOutcome } from './apply-batch.ts';

export interface WriteWorkerData extends WriteSettings {
  connectionString: string;
}

export type WriteReply =
  | { id: number; outcome: Omit<BatchOutcome, 'insertedIds'> }
  | { id: number; error: { message: string; code?: string; stack?: string } }
  | { warn: string };

const port = parentPort;
if (!port) throw new Error('write-worker.ts runs as a worker thread');
const settings = workerData as WriteWorkerData;
// Two connections: one batch commits while the next one's rows go in (PipelinedWriter). A lock wait
// that outlasts the timeout (only conceivable between two ingest processes during a rebalance) fails
// the attempt as transient, and the batch is retried the careful way.
const warehouse = new PostgresWarehouse({ connectionString: settings.connectionString, max: 2, lockTimeoutMs: 60_000 });
const recent = new RecentIds();
const reply = (r: WriteReply) => port.postMessage(r);
const writer = new PipelinedWriter((prepared, order) => writeWithRetries(warehouse, settings, prepared, recent, (warn) => reply({ warn }), order));

port.on('message', (message: { id: number; prepared: PreparedBatch } | { close: true }) => {
  if ('close' in message) {
    void writer
      .close()
      .then(() => warehouse.close())
      .finally(() => port.close());
    return;
  }
  const { id } = message;
  writer.write(revivePrepared(message.prepared)).then(
    ({ insertedIds: _, ...outcome }) => reply({ id, outcome }),
    (err: Error & { code?: string }) => reply({ id, error: { message: err.message, code: err.code, stack: err.stack } }),
  );
});
