/**
 * Where an end-to-end test runs: a fresh PGlite data directory, or a fresh database on the real
 * PostgreSQL server named by DATABASE_URL (TXPIPE_TEST_WAREHOUSE=postgres). A missing server fails
 * the test; it never skips.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { loadConfig, type Config, type Warehouse } from '../../src/index.ts';
import { openWarehouse } from '../../src/runtime.ts';
import { silentLogger } from '../../src/observe/logger.ts';
import { migrate, readMigrations } from '../../src/warehouse/migrate.ts';

export type WarehouseKind = 'pglite' | 'postgres';

export function warehouseKind(): WarehouseKind {
  const kind = process.env.TXPIPE_TEST_WAREHOUSE ?? 'pglite';
  if (kind !== 'pglite' && kind !== 'postgres') throw new Error(`TXPIPE_TEST_WAREHOUSE must be pglite or postgres, got ${kind}`);
  return kind;
}

export function adminUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) {
    throw new Error('DATABASE_URL is not set: the PostgreSQL tests need a server (eval "$(npm run -s services:up)")');
  }
  return url;
}

export interface Target {
  kind: WarehouseKind;
  /** Environment for txpipe subprocesses: the target's settings only (no outside DATABASE_URL/KAFKA_BROKERS/…). */
  env: Record<string, string>;
  config: Config;
  /** Opens the warehouse in this process (close it before running a PGlite subprocess: one process per data dir). */
  open(): Promise<Warehouse>;
  cleanup(): Promise<void>;
}

export function testName(prefix = 'txpipe_t'): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

export async function createDatabase(name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropDatabase(name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** A fresh, isolated target; `extra` env (e.g. KAFKA_BROKERS, OPENSEARCH_URL) is passed through. */
export async function freshTarget(extra: Record<string, string> = {}, kind = warehouseKind()): Promise<Target> {
  const dir = await mkdtemp(join(tmpdir(), 'txpipe-test-'));
  const env: Record<string, string> = {
    TXPIPE_DATA_DIR: join(dir, 'data'),
    TXPIPE_LOG_LEVEL: 'warn',
    TXPIPE_RETRY_DELAY_MS: '50',
    ...extra,
  };
  let dbName: string | undefined;
  if (kind === 'postgres') {
    dbName = testName();
    env.DATABASE_URL = await createDatabase(dbName);
  }
  const config = loadConfig(env);
  return {
    kind,
    env,
    config,
    open: () => openWarehouse(config, silentLogger),
    async cleanup() {
      if (dbName) await dropDatabase(dbName);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** How many tables the target's PostgreSQL database holds in `public` (0: nothing was created or migrated). */
export async function publicTables(t: Target): Promise<number> {
  const client = new pg.Client({ connectionString: t.env.DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>("SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'public'");
    return Number(rows[0]!.n);
  } finally {
    await client.end();
  }
}

/** Migrates w as a release before migration `version` left it: every migration below that version. */
export async function migrateBefore(w: Warehouse, version: number): Promise<void> {
  await migrate(
    w,
    readMigrations().filter((m) => m.version < version),
  );
}
