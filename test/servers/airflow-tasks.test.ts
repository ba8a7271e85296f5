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

const TASKS = ['run_transformations', 'refresh_views', 'check_data_quality', 'index_hourly_metrics_to_elasticsearch'] as const;

test('task run and record-failure refuse flags that contradict each other, before anything opens', async () => {
  // A run without a logical date recorded under the hour before its run_after, with Airflow's try
  // numbers: the scheduler test checks it under Airflow (airflow dags trigger without -l).
  const env = { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' };
  const refused = async (args: string[], message: RegExp) => {
    const r = await runCli(args, env);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  };
  await refused(
    ['task', 'run', 'refresh_views', '--logical-date', '2026-06-01T04:00:00Z', '--run-after', '2026-06-01T05:00:00Z'],
    /--run-after is for a run without/,
  );
  await refused(
    ['task', 'run', 'run_transformations', '--run-after', '2026-06-01T05:00:00Z', '--recompute-interval'],
    /--recompute-interval needs --logical-date/,
  );
  await refused(['task', 'run', 'refresh_views', '--data-interval-end', '2026-06-01T05:00:00Z'], /--data-interval-end needs --logical-date/);
  await refused(['task', 'record-failure', 'refresh_views', '--run-id', 'r', '--error', 'x'], /--try-number/);
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
