/**
 * Warehouse.openWriter on PostgreSQL: the writer module runs on a worker thread (writer-worker.ts) with
 * a pool of its own. Inputs go over by postMessage, their buffers transferred; results and errors come
 * back by id, errors with their SQLSTATE (`code`) so the caller can tell a transient one.
 */
import { Worker } from 'node:worker_threads';
import type { OpenWriterOptions, Writer, WriterSpec } from '../port.ts';
import type { ToWorker, FromWorker, WriterWorkerData } from './writer-worker.ts';

export class ThreadWriter<In, Out> implements Writer<In, Out> {
  readonly #worker: Worker;
  readonly #options: OpenWriterOptions<In>;
  readonly #waiting = new Map<number, { resolve: (o: Out) => void; reject: (e: Error) => void }>();
  #nextId = 0;
  #failure: Error | undefined;
  #exited: Promise<void>;

  constructor(connectionString: string, spec: WriterSpec<unknown>, options: OpenWriterOptions<In>) {
    this.#options = options;
    const data: WriterWorkerData = {
      connectionString,
      connections: spec.connections,
      lockTimeoutMs: spec.lockTimeoutMs,
      module: spec.module.href,
      options: spec.options,
    };
    this.#worker = new Worker(new URL('./writer-worker.ts', import.meta.url), { workerData: data });
    this.#exited = new Promise((resolve) => this.#worker.once('exit', () => resolve()));
    this.#worker.on('message', (reply: FromWorker<Out>) => this.#receive(reply));
    this.#worker.on('error', (error) => this.#fail(new Error(`write thread failed: ${error.message}`, { cause: error })));
    this.#worker.on('exit', (code) => this.#fail(new Error(`write thread exited (code ${code})`)));
  }

  #receive(reply: FromWorker<Out>): void {
    if ('warn' in reply) {
      this.#options.warn(reply.warn);
      return;
    }
    const waiter = this.#waiting.get(reply.id);
    this.#waiting.delete(reply.id);
    if ('result' in reply) {
      waiter?.resolve(reply.result);
      return;
    }
    const error = Object.assign(new Error(reply.error.message), { code: reply.error.code });
    if (reply.error.stack) error.stack = reply.error.stack;
    waiter?.reject(error);
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    for (const w of this.#waiting.values()) w.reject(error);
    this.#waiting.clear();
  }

  write(input: In): Promise<Out> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      const message: ToWorker<In> = { id, input };
      this.#worker.postMessage(message, this.#options.transfer?.(input) ?? []);
    });
  }

  /** Lets accepted writes finish, then closes the pool and the thread. */
  async close(): Promise<void> {
    if (this.#failure === undefined) {
      const message: ToWorker<In> = { close: true };
      this.#worker.postMessage(message);
      await this.#exited;
    } else {
      await this.#worker.terminate();
    }
  }
}
