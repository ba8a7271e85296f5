/**
 * Warehouse: where the raw table, the transformations and the run history live.
 * PostgreSQL through `pg`, or PGlite embedded. Both run the same SQL files.
 */

/** Anything that runs SQL: the warehouse itself, or a transaction on it. */
export interface Queryable {
  /** Runs one parameterised statement and returns its rows. */
  query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]>;
  /** Runs a script of one or more statements without parameters. */
  exec(text: string): Promise<void>;
}

/** A transaction: the same surface, plus a bulk loader. */
export interface Tx extends Queryable {
  /**
   * Loads COPY text-format bytes (see warehouse/copy-text.ts) into a table's columns with one COPY
   * (the ingest's raw rows): PostgreSQL COPY FROM STDIN, PGlite COPY FROM its '/dev/blob' device.
   * Several parts are sent back to back, as one payload (each part holds whole lines).
   */
  copyIn(table: string, columns: readonly string[], data: Uint8Array | readonly Uint8Array[]): Promise<void>;
}

/**
 * A writer of the caller's, run by `Warehouse.openWriter` on connections of its own: `module` is the URL
 * of a module that exports `createWriter` (see WriterModule). `options` must survive structured cloning:
 * the writer may run on another thread.
 */
export interface WriterSpec<Options> {
  module: URL;
  options: Options;
  /** Transactions the writer runs at once: PostgreSQL gives it that many connections; PGlite has one. */
  connections: number;
  /** A statement that waits longer than this for a lock fails with SQLSTATE 55P03 (ms; PostgreSQL only). */
  lockTimeoutMs?: number;
}

/** What a writer module exports. */
export interface WriterModule<Options, In, Out> {
  /** `warn` reaches the opener's logger from wherever the writer runs. */
  createWriter(warehouse: Warehouse, options: Options, warn: (line: string) => void): Writer<In, Out>;
}

export interface Writer<In, Out> {
  /** Hands one input to the writer; resolves with its result. Inputs arrive in the order given. */
  write(input: In): Promise<Out>;
  /** Lets accepted inputs finish, then releases the writer's connections. */
  close(): Promise<void>;
}

export interface OpenWriterOptions<In> {
  /** The ArrayBuffers of an input to move (not copy) to the writer's thread, where it has one. */
  transfer?: (input: In) => ArrayBuffer[];
  warn: (line: string) => void;
}

export interface TransactionOptions {
  isolation?: 'read committed' | 'repeatable read';
}

export interface Warehouse extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /**
   * Runs fn in one transaction: commit on return, rollback on throw. `repeatable read` gives every
   * statement of fn the same snapshot (default: read committed, a snapshot per statement).
   */
  transaction<T>(fn: (tx: Tx) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Runs fn while holding a session-level advisory lock, or returns { acquired: false }
   * at once when another session (another process, another machine) holds it.
   */
  withAdvisoryLock<T>(key: bigint, fn: () => Promise<T>): Promise<{ acquired: true; value: T } | { acquired: false }>;
  /**
   * Starts a writer module against this database, where it works best: PostgreSQL runs it on a worker
   * thread with a pool of its own, so its COPY data and replies never wait for this thread's event loop;
   * PGlite lives in this thread, so it runs the writer here, on itself.
   */
  openWriter<Options, In, Out>(spec: WriterSpec<Options>, options: OpenWriterOptions<In>): Promise<Writer<In, Out>>;
  /** Closes connections (and, for PGlite, releases the data directory). */
  close(): Promise<void>;
}
