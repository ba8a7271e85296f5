/** Main-thread side of the write thread (write-worker.ts); and the choice between it and writing here. */
import { Worker } from 'node:worker_threads';
import type { Warehouse } from '../warehouse/port.ts';
import type { Logger } from '../observe/logger.ts';
import type { BatchOutcome } from './apply-batch.ts';
import { FailStopQueue, writeWithRetries, type BatchWriter, type WriteSettings } from './batch-writer.ts';
import { RecentIds } from './id-set.ts';
import { preparedTransferList, type PreparedBatch } from './prepare-batch.ts';
import type { WriteReply, WriteWorkerData } from './write-worker.ts';

/** A writer thread when the warehouse can be reached from one (PostgreSQL), else writes in this thread. */
export function openBatchWriter(warehouse: Warehouse, settings: WriteSettings, logger: Logger): BatchWriter {
  if (warehouse.connectionString !== undefined) return new ThreadWriter({ ...settings, connectionString: warehouse.connectionString }, logger);
  const recent = new RecentIds();
  const queue = new FailStopQueue();
  return {
    write: (prepared) => queue.run(() => writeWithRetries(warehouse, settings, prepared, recent, (line) => logger.warn(line))),
    close: () => queue.idle(),
  };
}

class ThreadWriter implements BatchWriter {
  readonly #worker: Worker;
  readonly #waiting = new Map<number, { resolve: (o: BatchOutcome) => void; reject: (e: Error) => void }>();
  #nextId = 0;
  #failure: Error | undefined;

  constructor(data: WriteWorkerData, logger: Logger) {
    this.#worker = new Worker(new URL('./write-worker.ts', import.meta.url), { workerData: data });
    this.#worker.on('message', (reply: WriteReply) => {
      if ('warn' in reply) return logger.warn(reply.warn);
      const waiter = this.#waiting.get(reply.id);
      this.#waiting.delete(reply.id);
      if ('outcome' in reply) return waiter?.resolve(reply.outcome);
      const error = Object.assign(new Error(reply.error.message), { code: reply.error.code });
      if (reply.error.stack) error.stack = reply.error.stack;
      waiter?.reject(error);
    });
    const fail = (error: Error) => {
      this.#failure ??= error;
      for (const w of this.#waiting.values()) w.reject(error);
      this.#waiting.clear();
    };
    this.#worker.on('error', (error) => fail(new Error(`write thread failed: ${error.message}`, { cause: error })));
    this.#worker.on('exit', (code) => fail(new Error(`write thread exited (code ${code})`)));
  }

  write(prepared: PreparedBatch): Promise<BatchOutcome> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      this.#worker.postMessage({ id, prepared }, preparedTransferList(prepared));
    });
  }

  /** Lets queued writes finish, then closes the connection and the thread. */
  async close(): Promise<void> {
    if (this.#failure === undefined) {
      const exited = new Promise<void>((resolve) => this.#worker.once('exit', () => resolve()));
      this.#worker.postMessage({ close: true });
      await exited;
    } else {
      await this.#worker.terminate();
    }
  }
}
