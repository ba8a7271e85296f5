/**
 * The first contact with the warehouse: a few tries when PostgreSQL does not answer (a server still
 * starting), then one line naming the setting and the server; and, for the read-only commands, the
 * refusal to read a database txpipe never set up (they never create or migrate one).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../config.ts';
import { backoffMs } from '../observe/outage.ts';
import { readMigrations } from './migrate.ts';
import type { Warehouse } from './port.ts';
import { isOutage } from './transient.ts';

/** The warehouse cannot be reached, or refused us: the line names DATABASE_URL and the server (never its password). */
export class UnreachableError extends Error {
  override name = 'UnreachableError';
}

/** A read-only command pointed at a data directory or database without txpipe's tables (exit code 2). */
export class NoDataError extends Error {
  override name = 'NoDataError';
}

/** About 3 s in all: 250 ms, 500 ms, 1 s, 1.25 s between five tries. */
export const CONNECT_TRIES = 5;

/** `host:port` of a DATABASE_URL (5432 when it gives none), for messages. */
export function databaseServer(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || new URLSearchParams(u.search).get('host') || 'localhost'}:${u.port || '5432'}`;
  } catch {
    return 'the server in DATABASE_URL';
  }
}

function databaseName(url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname.slice(1)) || 'postgres';
  } catch {
    return '?';
  }
}

/** Where the data is, for messages. */
export function whereData(config: Config): string {
  return config.databaseUrl ? `database ${databaseName(config.databaseUrl)} on ${databaseServer(config.databaseUrl)}` : resolve(config.dataDir);
}

/** `SELECT 1` until it answers, CONNECT_TRIES times for an outage; any failure becomes an UnreachableError. */
export async function reachWarehouse(warehouse: Warehouse, config: Config, tries = CONNECT_TRIES): Promise<void> {
  if (!config.databaseUrl) return;
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      await warehouse.query('SELECT 1');
      return;
    } catch (err) {
      const server = databaseServer(config.databaseUrl);
      const reason = err instanceof Error ? err.message : String(err);
      if (!isOutage(err)) throw new UnreachableError(`DATABASE_URL: PostgreSQL at ${server}: ${reason}`, { cause: err });
      if (attempt >= tries) {
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        throw new UnreachableError(`DATABASE_URL: cannot reach PostgreSQL at ${server} (${reason}; ${attempt} tries in ${seconds} s)`, {
          cause: err,
        });
      }
      await new Promise((r) => setTimeout(r, Math.min(1_250, backoffMs(attempt - 1))));
    }
  }
}

/** For the read-only commands, before PGlite opens anything: a data directory that holds a database. */
export function checkDataDirHasData(config: Config): void {
  if (config.databaseUrl) return;
  if (!existsSync(join(config.dataDir, 'pgdata', 'PG_VERSION'))) throw noData(config);
}

/** For the read-only commands: the schema is txpipe's and current (they do not migrate). */
export async function checkSchemaCurrent(warehouse: Warehouse, config: Config): Promise<void> {
  const [table] = await warehouse.query<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t");
  if (!table?.t) throw noData(config);
  const [row] = await warehouse.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
  const have = Number(row?.v ?? 0);
  const need = readMigrations().at(-1)?.version ?? 0;
  if (have < need) {
    throw new NoDataError(`the txpipe schema in ${whereData(config)} is at version ${have}, this txpipe needs ${need}; run \`txpipe migrate\` first`);
  }
}

function noData(config: Config): NoDataError {
  return new NoDataError(`no txpipe data at ${whereData(config)}; run \`txpipe ingest\` or \`txpipe migrate\` first`);
}
