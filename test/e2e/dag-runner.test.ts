/** The DAG runner's promises: retries with backoff, recorded history, no overlap, deterministic documents. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshTarget, type Target } from '../support/target.ts';
import { generated } from '../support/events.ts';
import { cli } from '../support/cli.ts';
import { EmbeddedEventLog } from '../../src/log/embedded/embedded-log.ts';
import { runIngest } from '../../src/ingest/ingest.ts';
import { runDag } from '../../src/dag/runner.ts';
import { silentLogger } from '../../src/observe/logger.ts';
import type { BulkResult, HourlyMetricsDoc } from '../../src/search/port.ts';
import { MemorySearch } from '../support/memory-search.ts';
import type { Warehouse } from '../../src/warehouse/port.ts';
import { migrate, readMigrations, MigrationError } from '../../src/warehouse/migrate.ts';
import { connectWarehouse } from '../../src/runtime.ts';
import { publishLines } from '../../src/log/publish.ts';

/** An in-memory search index whose upsert can fail or wait on demand. */
class FakeSearch extends MemorySearch {
  calls = 0;
  behaviour: (call: number) => Promise<'ok' | 'throw' | 'reject-docs'> = async () => 'ok';
  override async upsert(docs: readonly HourlyMetricsDoc[]): Promise<BulkResult> {
    const b = await this.behaviour(++this.calls);
    if (b === 'throw') throw new Error('503 Service Unavailable');
    if (b === 'reject-docs') {
      return { indexed: 0, failures: docs.map((d) => ({ id: d.event_hour, status: 400, reason: 'mapper_parsing_exception' })) };
    }
    return super.upsert(docs);
  }
}

async function loaded(t: Target): Promise<Warehouse> {
  const w = await t.open();
  const log = new EmbeddedEventLog(w, 'transactions');
  await publishLines(log, generated(900, 4, '2026-08-01T00:00:00Z', 300));
  await runIngest({ warehouse: w, log, group: 'g', batchSize: 1000, untilIdle: true, logger: silentLogger });
  return w;
}

const policy = { retries: 2, retryDelayMs: 20 };
const logicalDate = '2026-08-01T03:00:00.000Z';

test('a failing task is retried with backoff, every try is recorded, and the run succeeds', async () => {
  const t = await freshTarget();
  const w = await loaded(t);
  try {
    const search = new FakeSearch();
    search.behaviour = async (call) => (call === 1 ? 'throw' : 'ok');
    const started = performance.now();
    const result = await runDag({ warehouse: w, search, logger: silentLogger }, { logicalDate, runType: 'manual', ...policy });
    assert.equal(result.state, 'success');
    const index = result.tasks.find((x) => x.taskId === 'index_hourly_metrics_to_elasticsearch')!;
    assert.equal(index.tries, 2);
    assert.ok(performance.now() - started >= 20, 'no backoff between tries');
    const tries = await w.query<{ try_number: number; state: string; error: string | null }>(
      `SELECT try_number, state, error FROM task_runs WHERE task_id = 'index_hourly_metrics_to_elasticsearch' ORDER BY try_number`,
    );
    assert.deepEqual(tries, [
      { try_number: 1, state: 'failed', error: '503 Service Unavailable' },
      { try_number: 2, state: 'success', error: null },
    ]);
    // The documents are a pure function of hourly_metrics: _id = hour, exactly the five fields.
    const metrics = await w.query<{
      event_hour: string;
      total_transactions: string;
      total_amount: string;
      late_transactions: string;
      late_ratio: number;
    }>(
      'SELECT event_hour::text, total_transactions::text, total_amount::text, late_transactions::text, late_ratio FROM hourly_metrics ORDER BY event_hour',
    );
    assert.deepEqual(
      await search.readAll(),
      metrics.map((m) => ({
        event_hour: `${m.event_hour.replace(' ', 'T')}Z`,
        total_transactions: Number(m.total_transactions),
        total_amount: Number(m.total_amount),
        late_transactions: Number(m.late_transactions),
        late_ratio: m.late_ratio,
      })),
    );
    assert.equal(metrics.length, 5, 'three hours of events plus late arrivals for the two hours before');
  } finally {
    await w.close();
    await t.cleanup();
  }
});

test('rejected documents fail the task and stay queued; the next run indexes them, and a rerun sends nothing', async () => {
  const t = await freshTarget();
  const w = await loaded(t);
  try {
    const search = new FakeSearch();
    search.behaviour = async () => 'reject-docs';
    const failed = await runDag({ warehouse: w, search, logger: silentLogger }, { logicalDate, runType: 'manual', ...policy });
    assert.equal(failed.state, 'failed');
    assert.match(
      failed.error!,
      /index_hourly_metrics_to_elasticsearch: 5 document\(s\) rejected by opensearch \(2026-07-31T22:00:00Z: 400 mapper_parsing_exception/,
    );
    assert.equal(search.calls, 3, 'one try and two retries');
    const [run] = await w.query<{ state: string }>(`SELECT state FROM dag_runs WHERE run_id = $1`, [failed.runId]);
    assert.equal(run!.state, 'failed');

    search.behaviour = async () => 'ok';
    const ok = await runDag({ warehouse: w, search, logger: silentLogger }, { logicalDate, runType: 'manual', ...policy });
    assert.equal(ok.state, 'success');
    assert.equal(search.docs.size, 5);
    const again = await runDag({ warehouse: w, search, logger: silentLogger }, { logicalDate, runType: 'manual', ...policy });
    assert.equal(again.tasks.at(-1)!.summary!.indexed, 0);
  } finally {
    await w.close();
    await t.cleanup();
  }
});

test('two runs never overlap: the second finds the lock taken', async () => {
  const t = await freshTarget();
  const w = await loaded(t);
  // On PostgreSQL the second runner is another pool, as another process or machine would be.
  const other = t.kind === 'postgres' ? await connectWarehouse(t.config) : w;
  try {
    const search = new FakeSearch();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    search.behaviour = async () => {
      entered();
      await gate;
      return 'ok';
    };
    const first = runDag({ warehouse: w, search, logger: silentLogger }, { logicalDate, runType: 'manual', ...policy });
    await inside;
    const second = await runDag({ warehouse: other, search, logger: silentLogger }, { logicalDate, runType: 'scheduled', ...policy });
    assert.equal(second.state, 'locked');
    release();
    assert.equal((await first).state, 'success');
    const third = await runDag({ warehouse: other, search, logger: silentLogger }, { logicalDate, runType: 'scheduled', ...policy });
    assert.equal(third.state, 'success');
  } finally {
    if (other !== w) await other.close();
    await w.close();
    await t.cleanup();
  }
});

test('dag runs lists runs with task states, tries and durations', async () => {
  const t = await freshTarget();
  try {
    const w = await loaded(t);
    await w.close();
    await cli(['dag', 'run', 'process_kafka_to_postgres', '--logical-date', '2026-08-01T03:00:00Z'], t.env);
    const runs = JSON.parse(await cli(['dag', 'runs', '--format', 'json'], t.env)) as {
      run_id: string;
      logical_date: string;
      state: string;
      duration_seconds: number;
      tasks: { task_id: string; state: string; try_number: number; duration_seconds: number }[];
    }[];
    assert.equal(runs.length, 1);
    assert.match(runs[0]!.run_id, /^manual__\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(runs[0]!.logical_date, '2026-08-01T03:00:00.000Z');
    assert.equal(runs[0]!.state, 'success');
    assert.deepEqual(
      runs[0]!.tasks.map((x) => [x.task_id, x.state, x.try_number]),
      [
        ['run_transformations', 'success', 1],
        ['refresh_views', 'success', 1],
        ['check_data_quality', 'success', 1],
        ['index_hourly_metrics_to_elasticsearch', 'skipped', 1],
      ],
    );
    assert.ok(runs[0]!.tasks.every((x) => x.duration_seconds >= 0 && x.duration_seconds < 60));
    const table = await cli(['dag', 'runs'], t.env);
    assert.match(table, new RegExp(`${runs[0]!.run_id.replaceAll('.', '\\.')}\\s+success`));
  } finally {
    await t.cleanup();
  }
});

test('each manual dag run is its own run; a scheduled logical date run again is one run with new tries', async () => {
  const t = await freshTarget();
  try {
    const w = await loaded(t);
    await w.close();
    // Two manual runs of the same hour, the second a full refresh: two runs, each with its own flag and tries.
    await cli(['dag', 'run', 'process_kafka_to_postgres', '--logical-date', logicalDate], t.env);
    await cli(['dag', 'run', 'process_kafka_to_postgres', '--logical-date', logicalDate, '--full-refresh'], t.env);
    type Run = {
      run_id: string;
      run_type: string;
      logical_date: string;
      full_refresh: boolean;
      started_at: string;
      ended_at: string;
      tasks: { try_number: number }[];
    };
    const manual = (JSON.parse(await cli(['dag', 'runs', '--format', 'json'], t.env)) as Run[]).reverse();
    assert.equal(manual.length, 2);
    assert.notEqual(manual[0]!.run_id, manual[1]!.run_id);
    assert.deepEqual(
      manual.map((r) => [r.run_type, r.logical_date, r.full_refresh, r.tasks.map((x) => x.try_number)]),
      [
        ['manual', logicalDate, false, [1, 1, 1, 1]],
        ['manual', logicalDate, true, [1, 1, 1, 1]],
      ],
    );
    for (const r of manual) {
      // Named after when it was triggered (this process's clock, just before the run row is written).
      const named = Date.parse(r.run_id.replace(/^manual__/, ''));
      assert.match(r.run_id, /^manual__\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.ok(Math.abs(Date.parse(r.started_at) - named) < 5_000, `${r.run_id} started at ${r.started_at}`);
    }
    assert.ok(manual[1]!.started_at >= manual[0]!.ended_at, 'the second run overlaps the first');

    // The same scheduled logical date twice (a scheduler restarted, a rerun): one run, second tries, the latest flag and start.
    const w2 = await t.open();
    try {
      await runDag({ warehouse: w2, logger: silentLogger }, { logicalDate, runType: 'scheduled', ...policy });
      const [first] = await w2.query<{ started_at: Date }>(`SELECT started_at FROM dag_runs WHERE run_type = 'scheduled'`);
      await runDag({ warehouse: w2, logger: silentLogger }, { logicalDate, runType: 'scheduled', fullRefresh: true, ...policy });
      const scheduled = await w2.query<{ run_id: string; full_refresh: boolean; started_at: Date; tries: number[] }>(
        `SELECT r.run_id, r.full_refresh, r.started_at, array_agg(t.try_number ORDER BY t.task_id, t.try_number) AS tries
           FROM dag_runs r JOIN task_runs t USING (run_id) WHERE r.run_type = 'scheduled' GROUP BY 1, 2, 3`,
      );
      assert.equal(scheduled.length, 1);
      assert.equal(scheduled[0]!.run_id, `scheduled__${logicalDate}`);
      assert.equal(scheduled[0]!.full_refresh, true);
      assert.deepEqual(scheduled[0]!.tries, [1, 2, 1, 2, 1, 2, 1, 2]);
      assert.ok(new Date(scheduled[0]!.started_at).getTime() > new Date(first!.started_at).getTime(), 'the rerun kept the first start');
    } finally {
      await w2.close();
    }
  } finally {
    await t.cleanup();
  }
});

test('an applied migration edited afterwards is refused', async () => {
  const t = await freshTarget();
  const w = await t.open();
  try {
    const edited = readMigrations().map((m) => (m.version === 1 ? { ...m, checksum: 'f'.repeat(64) } : m));
    await assert.rejects(migrate(w, edited), (err: unknown) => {
      assert.ok(err instanceof MigrationError);
      assert.match((err as Error).message, /0001_raw_and_clean.sql changed after it was applied/);
      return true;
    });
    assert.deepEqual((await migrate(w)).applied, []);
  } finally {
    await w.close();
    await t.cleanup();
  }
});
