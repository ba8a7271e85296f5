/**
 * The write thread: prepared batches in, outcomes out, written in order on its own PostgreSQL
 * connection (see batch-writer.ts for why a thread).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PostgresWarehouse } from '../warehouse/postgres/postgres-warehouse.ts';
import { FailStopQueue, writeWithRetries, type WriteSettings } from './batch-writer.ts';
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
const warehouse = new PostgresWarehouse({ connectionString: settings.connectionString, max: 1 });
const recent = new RecentIds();
const queue = new FailStopQueue();
const reply = (r: WriteReply) => port.postMessage(r);

port.on('message', (message: { id: number; prepared: PreparedBatch } | { close: true }) => {
  if ('close' in message) {
    void queue.idle().then(() => warehouse.close()).finally(() => port.close());
    return;
  }
  const { id } = message;
  queue
    .run(() => writeWithRetries(warehouse, settings, revivePrepared(message.prepared), recent, (warn) => reply({ warn })))
    .then(
      ({ insertedIds: _, ...outcome }) => reply({ id, outcome }),
      (err: Error & { code?: string }) => reply({ id, error: { message: err.message, code: err.code, stack: err.stack } }),
    );
});
