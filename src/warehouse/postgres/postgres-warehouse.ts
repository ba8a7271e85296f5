/** Warehouse on a real PostgreSQL server through `pg`; batches go in with COPY FROM STDIN. */
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { finished } from 'node:stream/promises';
import type { OpenWriterOptions, Queryable, TransactionOptions, Tx, Warehouse, Writer, WriterSpec } from '../port.ts';
import { typeParsers } from '../type-parsers.ts';
import { ThreadWriter } from './writer-thread.ts';
import { isOutage } from '../transient.ts';
import { postgresSslAttempts, postgresTlsSettings, withoutTlsParams, type SslOption } from './tls.ts';
import { negotiateSsl } from './tls-fallback.ts';

const COPY_CHUNK = 256 * 1024;

export interface PostgresOptions {
  connectionString: string;
  /** Pool size (default 4): the DAG needs 2, one of them holding the advisory lock. */
  max?: number;
  /** Session lock_timeout (ms): a statement waiting longer for a lock fails with 55P03 (transient). */
  lockTimeoutMs?: number;
}

type Client = pg.PoolClient | pg.Pool;

function queryable(client: Client): Queryable {
  return {
    async query<Row>(text: string, params?: unknown[]) {
      const res = await client.query(text, params as unknown[]);
      return res.rows as Row[];
    },
    async exec(text: string) {
      await client.query(text);
    },
  };
}

export class PostgresWarehouse implements Warehouse {
  readonly kind = 'postgres' as const;
  readonly #options: PostgresOptions;
  /** The pool, once its TLS option is known: at once, or after the first connection's tries (allow, prefer). */
  #pool: pg.Pool | undefined;
  #negotiating: Promise<pg.Pool> | undefined;
  readonly #sslAttempts: SslOption[];

  constructor(options: PostgresOptions) {
    this.#options = options;
    // TLS as libpq means it (sslmode, sslrootcert, PGSSLMODE, PGSSLROOTCERT…): see tls.ts.
    this.#sslAttempts = postgresSslAttempts(postgresTlsSettings(options.connectionString));
    if (this.#sslAttempts.length === 1) this.#pool = this.#newPool(this.#sslAttempts[0]!);
  }

  #newPool(ssl: SslOption): pg.Pool {
    const pool = new pg.Pool({
      connectionString: withoutTlsParams(this.#options.connectionString),
      ssl,
      max: this.#options.max ?? 4,
      // Every session in UTC, whatever the server's or the process's time zone.
      options: `-c TimeZone=UTC${this.#options.lockTimeoutMs ? ` -c lock_timeout=${Math.round(this.#options.lockTimeoutMs)}` : ''}`,
      types: { getTypeParser: typeParsers.getTypeParser },
    });
    // An idle client's network error must not crash the process; the next query reports it.
    pool.on('error', () => {});
    return pool;
  }

  /** The pool; for allow and prefer the first call finds the TLS option (again after a failure: an outage passes). */
  #ready(): Promise<pg.Pool> | pg.Pool {
    if (this.#pool) return this.#pool;
    this.#negotiating ??= negotiateSsl(withoutTlsParams(this.#options.connectionString), this.#sslAttempts).then(
      (ssl) => (this.#pool = this.#newPool(ssl)),
      (err: unknown) => {
        this.#negotiating = undefined;
        throw err;
      },
    );
    return this.#negotiating;
  }

  async query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]> {
    return queryable(await this.#ready()).query<Row>(text, params);
  }

  async exec(text: string): Promise<void> {
    return queryable(await this.#ready()).exec(text);
  }

  /**
   * A client of the pool, held for `fn`. A connection lost while it is held (a server restart between two
   * statements) is an 'error' event on the client, which would crash the process without a listener:
   * the next statement reports it anyway, and the broken client is dropped instead of returned.
   */
  async #withClient<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await (await this.#ready()).connect();
    let lost: Error | undefined;
    const onError = (error: Error) => {
      lost ??= error;
    };
    client.on('error', onError);
    try {
      return await fn(client);
    } catch (err) {
      if (isOutage(err)) lost ??= err as Error;
      throw err;
    } finally {
      client.off('error', onError);
      client.release(lost);
    }
  }

  transaction<T>(fn: (tx: Tx) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    return this.#withClient(async (client) => {
      await client.query(options.isolation === 'repeatable read' ? 'BEGIN ISOLATION LEVEL REPEATABLE READ' : 'BEGIN');
      try {
        const tx: Tx = {
          ...queryable(client),
          copyIn: async (table, columns, data) => {
            const parts = data instanceof Uint8Array ? [data] : data;
            if (parts.every((p) => p.length === 0)) return;
            const cols = columns.map((c) => `"${c}"`).join(', ');
            const stream = client.query(copyFrom(`COPY ${table} (${cols}) FROM STDIN`));
            // Views of at most 256 KiB (no copying): the server parses one CopyData message while the next arrives.
            for (const part of parts) for (let at = 0; at < part.length; at += COPY_CHUNK) stream.write(part.subarray(at, at + COPY_CHUNK));
            stream.end();
            await finished(stream);
          },
        };
        const value = await fn(tx);
        await client.query('COMMIT');
        return value;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      }
    });
  }

  withAdvisoryLock<T>(key: bigint, fn: () => Promise<T>) {
    // A session-level lock lives on one connection: hold that connection for the whole run.
    return this.#withClient(async (client) => {
      const [row] = (await client.query('SELECT pg_try_advisory_lock($1::bigint) AS ok', [key.toString()])).rows;
      if (!row?.ok) return { acquired: false as const };
      try {
        return { acquired: true as const, value: await fn() };
      } finally {
        await client.query('SELECT pg_advisory_unlock($1::bigint)', [key.toString()]);
      }
    });
  }

  async openWriter<Options, In, Out>(spec: WriterSpec<Options>, options: OpenWriterOptions<In>): Promise<Writer<In, Out>> {
    return new ThreadWriter<In, Out>(this.#options.connectionString, spec, options);
  }

  async close(): Promise<void> {
    const pool = this.#pool ?? (await this.#negotiating?.catch(() => undefined));
    await pool?.end();
  }
}

/** The warehouse on a PostgreSQL server (default pool of 4 connections). */
export function openPostgresWarehouse(options: PostgresOptions): Warehouse {
  return new PostgresWarehouse(options);
}
