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

export interface Warehouse extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /**
   * Set when another thread can open its own connection to the same database (PostgreSQL: the
   * ingest writes from a thread of its own); PGlite, which lives in this thread, leaves it unset.
   */
  readonly connectionString?: string;
  /** Runs fn in one transaction: commit on return, rollback on throw. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * Runs fn while holding a session-level advisory lock, or returns { acquired: false }
   * at once when another session (another process, another machine) holds it.
   */
  withAdvisoryLock<T>(key: bigint, fn: () => Promise<T>): Promise<{ acquired: true; value: T } | { acquired: false }>;
  /** Closes connections (and, for PGlite, releases the data directory). */
  close(): Promise<void>;
}
