/**
 * Airflow runs a backfill's runs side by side (a backfill's max_active_runs is its own, default 10) and
 * beside the scheduled runs, so two runs' `txpipe task run` can meet on the DAG's lock: the second waits
 * for the first instead of failing. Needs DATABASE_URL (a lock held by another session; PGlite has one).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../support/cli.ts';
import { freshTarget } from '../support/target.ts';
import { generated } from '../support/events.ts';
import { ingestInto } from '../support/ingest.ts';
import { DAG_LOCK } from '../../src/dag/runner.ts';

test('an Airflow task waits for another run holding the DAG lock, then runs', async () => {
  const t = await freshTarget();
  assert.equal(t.kind, 'postgres', 'this test needs TXPIPE_TEST_WAREHOUSE=postgres and DATABASE_URL');
  try {
    await ingestInto(t, generated(100, 7, '2026-06-03T00:00:00Z', 300));
    const w = await t.open();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let holding!: () => void;
    const held = new Promise<void>((resolve) => (holding = resolve));
    const holder = w.withAdvisoryLock(DAG_LOCK, async () => {
      holding();
      await released;
    });
    try {
      await held;
      const started = Date.now();
      const task = runCli(
        ['task', 'run', 'run_transformations', '--logical-date', '2026-06-03T00:00:00Z', '--run-id', 'backfill__2026-06-03T00:00:00+00:00'],
        t.env,
      );
      await new Promise((resolve) => setTimeout(resolve, 3000));
      release();
      const r = await task;
      assert.equal(r.code, 0, r.stderr);
      assert.ok(Date.now() - started >= 3000, 'it waited for the lock');
      assert.match(r.stdout, /run_transformations: success/);
    } finally {
      release();
      await holder;
      await w.close();
    }
  } finally {
    await t.cleanup();
  }
});
