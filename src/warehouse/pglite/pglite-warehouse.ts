/**
 * Warehouse embedded in the process: PGlite, real PostgreSQL compiled to WASM, under a data directory.
 * PGlite has no COPY FROM STDIN: batches are COPYed from its '/dev/blob' device instead.
 */
import { PGlite } from '@electric-sql/pglite';
import type { OpenWriterOptions, Queryable, TransactionOptions, Tx, Warehouse, Writer, WriterModule, WriterSpec } from '../port.ts';
import { pgliteParsers } from '../type-parsers.ts';
import { lockDataDir, type DataDirLock } from './data-dir-lock.ts';

export interface PGliteOptions {
  /** Directory of the database files, or undefined for an in-memory database (tests). */
  dataDir?: string;
}

interface PGliteQueryable {
  query<T>(text: string, params?: unknown[]): Promise<{ rows: T[] }>;
  exec(text: string): Promise<unknown>;
}

function queryable(db: PGliteQueryable): Queryable {
  return {
    async query<Row>(text: string, params?: unknown[]) {
      return (await db.query<Row>(text, params)).rows;
    },
    async exec(text: string) {
      await db.exec(text);
    },
  };
}

export class PGliteWarehouse implements Warehouse {
  readonly kind = 'pglite' as const;
  readonly #db: PGlite;
  readonly #lock: DataDirLock | undefined;
  readonly #base: Queryable;
  /** Advisory locks are per session and PGlite has one session: keys held in this process. */
  readonly #held = new Set<bigint>();

  private constructor(db: PGlite, lock: DataDirLock | undefined) {
    this.#db = db;
    this.#lock = lock;
    this.#base = queryable(db);
  }

  static async open(options: PGliteOptions): Promise<PGliteWarehouse> {
    const lock = options.dataDir ? await lockDataDir(options.dataDir) : undefined;
    try {
      const db = new PGlite({
        dataDir: options.dataDir ? `${options.dataDir}/pgdata` : undefined,
        parsers: pgliteParsers,
      });
      await db.waitReady;
      await db.exec("SET TimeZone = 'UTC'");
      return new PGliteWarehouse(db, lock);
    } catch (err) {
      await lock?.release();
      throw err;
    }
  }

  query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]> {
    return this.#base.query<Row>(text, params);
  }

  exec(text: string): Promise<void> {
    return this.#base.exec(text);
  }

  /** PGlite runs one transaction at a time, so no snapshot can differ; the isolation is still set as asked. */
  transaction<T>(fn: (tx: Tx) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    return this.#db.transaction(async (pgTx) => {
      if (options.isolation === 'repeatable read') await pgTx.exec('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      const base = queryable(pgTx);
      const tx: Tx = {
        ...base,
        copyIn: async (table, columns, data) => {
          const parts = data instanceof Uint8Array ? [data] : data;
          if (parts.every((p) => p.length === 0)) return;
          const cols = columns.map((c) => `"${c}"`).join(', ');
          await pgTx.query(`COPY ${table} (${cols}) FROM '/dev/blob'`, [], { blob: new Blob(parts as Uint8Array<ArrayBuffer>[]) });
        },
      };
      return fn(tx);
    });
  }

  async withAdvisoryLock<T>(key: bigint, fn: () => Promise<T>) {
    if (this.#held.has(key)) return { acquired: false as const };
    this.#held.add(key);
    try {
      return { acquired: true as const, value: await fn() };
    } finally {
      this.#held.delete(key);
    }
  }

  /** PGlite is one connection in this thread: the writer runs here, on it, one transaction at a time. */
  async openWriter<Options, In, Out>(spec: WriterSpec<Options>, options: OpenWriterOptions<In>): Promise<Writer<In, Out>> {
    const module = (await import(spec.module.href)) as WriterModule<Options, In, Out>;
    return module.createWriter(this, spec.options, options.warn);
  }

  async close(): Promise<void> {
    try {
      if (!this.#db.closed) await this.#db.close();
    } finally {
      await this.#lock?.release();
    }
  }
}
