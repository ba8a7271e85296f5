/**
 * The write thread: opens its own PostgresWarehouse, loads the writer module named in workerData, and
 * serves its writes (see writer-thread.ts for the other side).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { WriterModule } from '../port.ts';
import { PostgresWarehouse } from './postgres-warehouse.ts';

export interface WriterWorkerData {
  connectionString: string;
  connections: number;
  lockTimeoutMs?: number;
  /** URL of the writer module. */
  module: string;
  options: unknown;
}

export type ToWorker<In> = { id: number; input: In } | { close: true };
export type FromWorker<Out> =
  | { id: number; result: Out }
  | { id: number; error: { message: string; code?: string; stack?: string } }
  | { warn: string };

const port = parentPort;
if (!port) throw new Error('writer-worker.ts runs as a worker thread');
const data = workerData as WriterWorkerData;
const warehouse = new PostgresWarehouse({ connectionString: data.connectionString, max: data.connections, lockTimeoutMs: data.lockTimeoutMs });
const module = (await import(data.module)) as WriterModule<unknown, unknown, unknown>;
const reply = (r: FromWorker<unknown>) => port.postMessage(r);
const writer = module.createWriter(warehouse, data.options, (warn) => reply({ warn }));

port.on('message', (message: ToWorker<unknown>) => {
  if ('close' in message) {
    void writer
      .close()
      .then(() => warehouse.close())
      .finally(() => port.close());
    return;
  }
  const { id } = message;
  writer.write(message.input).then(
    (result) => reply({ id, result }),
    (err: Error & { code?: string }) => reply({ id, error: { message: err.message, code: err.code, stack: err.stack } }),
  );
});
