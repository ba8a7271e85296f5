/**
 * `run`, `ingest` and `migrate` all migrate on start, so on a shared PostgreSQL several processes meet
 * an empty database at once: every one must succeed and the schema must be applied exactly once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshTarget } from '../support/target.ts';
import { migrate, readMigrations } from '../../src/warehouse/migrate.ts';
import { connectWarehouse } from '../../src/runtime.ts';

test('four processes migrating one empty database at once all succeed, and each migration is recorded once', async () => {
  const all = readMigrations().map((m) => m.name);
  for (let round = 0; round < 3; round++) {
    const t = await freshTarget({}, 'postgres');
    const ws = await Promise.all([0, 1, 2, 3].map(() => connectWarehouse(t.config)));
    try {
      const results = await Promise.all(ws.map((w) => migrate(w)));
      assert.deepEqual(results.flatMap((r) => r.applied).sort(), all, 'each migration applied by exactly one of them');
      const rows = await ws[0]!.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY version');
      assert.deepEqual(
        rows.map((r) => r.name),
        all,
      );
    } finally {
      await Promise.all(ws.map((w) => w.close()));
      await t.cleanup();
    }
  }
});
