/**
 * What Airflow's DAG calls, without Airflow, on PostgreSQL: `txpipe task run` for a run without a logical
 * date and with Airflow's try numbers; `txpipe task record-failure` (the DAG's failure and retry
 * callbacks) for tries txpipe never started, tries it did not live to end, tries it ended itself and
 * tries Airflow retries; and two runs' tasks meeting on the DAG lock (Airflow runs a backfill's runs side
 * by side, and beside the scheduled runs): the second waits instead of failing. The scheduler test
 * (test/airflow/scheduler.test.ts) runs the same under a real Airflow. Needs DATABASE_URL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshTarget, type Target } from '../support/target.ts';
import { generated } from '../support/events.ts';
import { ingestInto } from '../support/ingest.ts';
import { cli, runCli } from '../support/cli.ts';
import { DAG_LOCK } from '../../src/dag/runner.ts';

interface RecordedRun {
  run_id: string;
  logical_date: string;
  run_type: string;
  state: string;
  error: string | null;
  tasks: { task_id: string; state: string; try_number: number; error: string | null; summary: Record<string, unknown> | null }[];
}

async function runs(t: Target): Promise<Map<string, RecordedRun>> {
  const list = JSON.parse(await cli(['dag', 'runs', '--format', 'json'], t.env)) as RecordedRun[];
  return new Map(list.map((r) => [r.run_id, r]));
}

const TASKS = ['run_transformations', 'refresh_views', 'index_hourly_metrics_to_elasticsearch'] as const;

test('a task run without a logical date is recorded under the hour before its run_after, with the try numbers Airflow gives', async () => {
  const t = await freshTarget();
  try {
    await ingestInto(t, generated(300, 5, '2026-06-01T00:00:00Z', 300));
    const runId = 'manual__2026-06-01T05:17:42.123456+00:00';
    for (const task of TASKS) {
      await cli(['task', 'run', task, '--run-after', '2026-06-01T05:17:42.123Z', '--run-id', runId, '--try-number', '3'], t.env);
    }
    const run = (await runs(t)).get(runId);
    assert.ok(run, `txpipe dag runs lists ${runId}`);
    assert.equal(run.state, 'success');
    assert.equal(run.run_type, 'airflow');
    assert.equal(Date.parse(run.logical_date), Date.parse('2026-06-01T04:00:00Z'), 'the hour before run_after');
    assert.deepEqual(
      run.tasks.map((x) => [x.task_id, x.state, x.try_number]),
      TASKS.map((id) => [id, id === 'index_hourly_metrics_to_elasticsearch' ? 'skipped' : 'success', 3]),
    );
    // The changed hours were processed, whatever the interval.
    const transform = run.tasks.find((x) => x.task_id === 'run_transformations');
    assert.ok(Number(transform?.summary?.rows) > 0, `rows transformed: ${JSON.stringify(transform)}`);

    // Flags that contradict each other are refused before anything opens.
    const bad = await runCli(
      ['task', 'run', 'refresh_views', '--logical-date', '2026-06-01T04:00:00Z', '--run-after', '2026-06-01T05:00:00Z'],
      t.env,
    );
    assert.equal(bad.code, 2, bad.stderr);
    const noInterval = await runCli(['task', 'run', 'run_transformations', '--run-after', '2026-06-01T05:00:00Z', '--recompute-interval'], t.env);
    assert.equal(noInterval.code, 2, noInterval.stderr);
    assert.match(noInterval.stderr, /--recompute-interval needs --logical-date/);
  } finally {
    await t.cleanup();
  }
});

test('record-failure: a try txpipe never started or did not end is recorded failed; a try txpipe ended keeps its record', async () => {
  const t = await freshTarget();
  try {
    await ingestInto(t, generated(100, 6, '2026-06-02T00:00:00Z', 300));
    // 1. The first task failed before txpipe started (a run txpipe never saw), without a logical date.
    const never = 'manual__2026-06-02T03:10:00+00:00';
    const out = await cli(
      [
        'task',
        'record-failure',
        'run_transformations',
        '--run-id',
        never,
        '--run-after',
        '2026-06-02T03:10:00Z',
        '--try-number',
        '1',
        '--error',
        'exit code 127',
      ],
      t.env,
    );
    assert.match(out, /recorded as failed/);
    // 2. A try txpipe started and was killed: still running in txpipe's history.
    const killed = 'scheduled__2026-06-02T01:00:00+00:00';
    const interval = ['--logical-date', '2026-06-02T01:00:00Z', '--data-interval-end', '2026-06-02T02:00:00Z', '--run-id', killed];
    await cli(['task', 'run', 'run_transformations', ...interval, '--try-number', '1'], t.env);
    const w = await t.open();
    try {
      await w.query(`INSERT INTO task_runs (run_id, task_id, try_number, state) VALUES ($1, 'refresh_views', 1, 'running')`, [killed]);
    } finally {
      await w.close();
    }
    await cli(['task', 'record-failure', 'refresh_views', ...interval, '--try-number', '1', '--error', 'Task timed out'], t.env);
    // 3. A try txpipe ran and ended itself: the callback changes nothing about that try.
    const ran = 'scheduled__2026-06-02T02:00:00+00:00';
    const interval3 = ['--logical-date', '2026-06-02T02:00:00Z', '--data-interval-end', '2026-06-02T03:00:00Z', '--run-id', ran];
    await cli(['task', 'run', 'run_transformations', ...interval3, '--try-number', '2'], t.env);
    const again = await cli(['task', 'record-failure', 'run_transformations', ...interval3, '--try-number', '2', '--error', 'late callback'], t.env);
    assert.match(again, /already recorded by txpipe/);
    // 4. A try that failed before txpipe started and that Airflow retried: the run goes on and succeeds.
    const retried = 'manual__2026-06-02T04:00:00+00:00';
    const interval4 = ['--logical-date', '2026-06-02T03:00:00Z', '--data-interval-end', '2026-06-02T04:00:00Z', '--run-id', retried];
    await cli(
      ['task', 'record-failure', 'run_transformations', ...interval4, '--try-number', '1', '--error', 'worker lost', '--up-for-retry'],
      t.env,
    );
    const between = (await runs(t)).get(retried)!;
    assert.equal(between.state, 'running', 'a try Airflow retries does not end the run');
    assert.deepEqual(
      between.tasks.map((x) => [x.task_id, x.state, x.try_number]),
      [['run_transformations', 'failed', 1]],
    );
    for (const task of TASKS) await cli(['task', 'run', task, ...interval4, '--try-number', task === 'run_transformations' ? '2' : '1'], t.env);

    const all = await runs(t);
    const d = all.get(retried)!;
    assert.equal(d.state, 'success');
    assert.equal(d.error, null);
    assert.deepEqual(
      d.tasks.map((x) => [x.task_id, x.try_number]),
      TASKS.map((id) => [id, id === 'run_transformations' ? 2 : 1]),
    );
    const a = all.get(never);
    assert.ok(a, 'a run that failed before txpipe started is listed');
    assert.equal(a.state, 'failed');
    assert.equal(Date.parse(a.logical_date), Date.parse('2026-06-02T02:00:00Z'));
    assert.equal(a.error, 'run_transformations: exit code 127');
    assert.deepEqual(
      a.tasks.map((x) => [x.task_id, x.state, x.try_number, x.error]),
      [['run_transformations', 'failed', 1, 'exit code 127']],
    );
    const b = all.get(killed)!;
    assert.equal(b.state, 'failed');
    assert.equal(b.error, 'refresh_views: Task timed out');
    assert.deepEqual(
      b.tasks.map((x) => [x.task_id, x.state, x.try_number]),
      [
        ['run_transformations', 'success', 1],
        ['refresh_views', 'failed', 1],
      ],
    );
    const c = all.get(ran)!;
    assert.deepEqual(
      c.tasks.map((x) => [x.task_id, x.state, x.try_number, x.error]),
      [['run_transformations', 'success', 2, null]],
      'the try txpipe ended keeps its state',
    );
    assert.equal(c.state, 'failed', 'Airflow says the run failed, so it is failed');
  } finally {
    await t.cleanup();
  }
});

test('an Airflow task waits for another run holding the DAG lock, then runs', async () => {
  const t = await freshTarget();
  assert.equal(t.kind, 'postgres', 'a lock held by another session needs PostgreSQL (TXPIPE_TEST_WAREHOUSE=postgres)');
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
