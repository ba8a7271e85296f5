/**
 * Numbered, checksummed migrations (sql/migrations/NNNN_name.sql), applied in order, each in its own
 * transaction. An applied file whose checksum changed is an error: released migrations are never edited.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sqlRoot } from '../sql.ts';
import type { Warehouse } from './port.ts';

export interface Migration {
  version: number;
  name: string;
  checksum: string;
  text: string;
}

export interface MigrateResult {
  applied: string[];
  current: number;
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/** Serialises concurrent `migrate` runs on a shared server (pg_advisory_xact_lock key). */
const MIGRATION_LOCK = 7_264_001;

export function readMigrations(dir = join(sqlRoot, 'migrations')): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => {
      const text = readFileSync(join(dir, file), 'utf8');
      return {
        version: Number.parseInt(file.slice(0, 4), 10),
        name: file,
        checksum: createHash('sha256').update(text).digest('hex'),
        text,
      };
    });
}

export async function migrate(warehouse: Warehouse, migrations = readMigrations()): Promise<MigrateResult> {
  // Under the lock too: two processes creating the table at once race in pg_type even with IF NOT EXISTS.
  await warehouse.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
  });
  const applied: string[] = [];
  for (const m of migrations) {
    const done = await warehouse.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      const [row] = await tx.query<{ name: string; checksum: string }>('SELECT name, checksum FROM schema_migrations WHERE version = $1', [
        m.version,
      ]);
      if (row) {
        if (row.checksum !== m.checksum) {
          throw new MigrationError(
            `migration ${m.name} changed after it was applied (checksum ${row.checksum.slice(0, 12)} in the database, ${m.checksum.slice(0, 12)} on disk); add a new migration instead`,
          );
        }
        return false;
      }
      await tx.exec(m.text);
      await tx.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [m.version, m.name, m.checksum]);
      return true;
    });
    if (done) applied.push(m.name);
  }
  return { applied, current: migrations.at(-1)?.version ?? 0 };
}
