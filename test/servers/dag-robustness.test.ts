/**
 * process_kafka_to_postgres on real servers when things go wrong: the search engine down, two
 * schedulers on one database, a run SIGKILLed inside its transaction. Needs DATABASE_URL and
 * OPENSEARCH_URL (npm run services:up); a missing server fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { cli, cliEnv, repoRoot, runCli, nodeFlags } from '../support/cli.ts';
import { freshTarget, testName, type Target } from '../support/target.ts';
import { generated } from '../support/events.ts';
import { expectedMetrics } from '../support/expected.ts';
import { assertMatches, type MetricsJson } from '../support/assert-metrics.ts';
import { ingestInto } from '../support/ingest.ts';
import { asDocument, closedPort, dropIndex, opensearchUrl, readDocuments, resettingServer } from '../support/search-server.ts';
import type { FullReconciliation } from '../../src/reconcile.ts';

const main = join(repoRoot, 'src', 'cli', 'main.ts');

async function sql<Row>(t: Target, text: string, params: unknown[] = []): Promise<Row[]> {
  const client = new pg.Client({ connectionString: t.env.DATABASE_URL });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as Row[];
  } finally {
    await client.end();
  }
}

async function reconciled(env: Record<string, string>): Promise<{ code: number | null; r: FullReconciliation }> {
  const res = await runCli(['reconcile', '--format', 'json'], env);
  return { code: res.code, r: JSON.parse(res.stdout) as FullReconciliation };
}

async function until(what: string, seconds: number, condition: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${seconds} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A JSON log line (stderr is not a terminal here): an object with level, time, scope and message. */
function isLogLine(line: string): boolean {
  try {
    const r = JSON.parse(line) as Record<string, unknown>;
    return (
      ['debug', 'info', 'warn', 'error'].includes(r.level as string) &&
      typeof r.time === 'string' &&
      typeof r.scope === 'string' &&
      typeof r.msg === 'string'
    );
  } catch {
    return false;
  }
}

const lateEvent = (n: number, eventTime: string) =>
  JSON.stringify({
    transaction_id: `88888888-2222-4333-8444-${n.toString(16).padStart(12, '0')}`,
    user_id: '88888888-2222-4333-8444-000000000000',
    amount: '41.25',
    currency: 'EUR',
    status: 'completed',
    event_time: eventTime,
    processing_time: '2026-05-01T12:00:00Z',
  });

test('the index task with the search engine down fails cleanly in seconds, keeps its hours queued, and the next run indexes exactly those', async () => {
  const index = testName('txpipe_idx');
  const opensearch = opensearchUrl();
  const t = await freshTarget(
    { OPENSEARCH_URL: opensearch, TXPIPE_INDEX: index, TXPIPE_TASK_RETRIES: '2', TXPIPE_RETRY_DELAY_MS: '300' },
    'postgres',
  );
  const reset = await resettingServer();
  try {
    const messages = generated(3000, 61, '2026-05-01T00:00:00Z', 600);
    await ingestInto(t, messages);
    await cli(['dag', 'run', 'process_kafka_to_postgres'], t.env);
    const indexed = await readDocuments('opensearch', index);
    assert.equal(indexed.length, expectedMetrics(messages, 0n).hours.length);

    // Late events change two old hours; then the engine is unreachable: nothing listens, or every
    // connection is reset.
    await ingestInto(t, [lateEvent(1, '2026-05-01T01:10:00Z'), lateEvent(2, '2026-05-01T03:20:00Z')]);
    const changed = ['2026-05-01 01:00:00', '2026-05-01 03:00:00'];
    for (const dead of [`http://127.0.0.1:${await closedPort()}`, `http://127.0.0.1:${reset.port}`]) {
      const started = performance.now();
      const run = await runCli(['dag', 'run', 'process_kafka_to_postgres'], { ...t.env, OPENSEARCH_URL: dead });
      const seconds = (performance.now() - started) / 1000;
      assert.equal(run.code, 1, run.stderr);
      assert.deepEqual(
        run.stderr.split('\n').filter((l) => l !== '' && !isLogLine(l)),
        [],
        'stderr holds only log lines: no crash, no unhandled rejection',
      );
      const [last] = await sql<{ run_id: string; state: string; error: string }>(
        t,
        'SELECT run_id, state, error FROM dag_runs ORDER BY started_at DESC LIMIT 1',
      );
      assert.equal(last!.state, 'failed');
      assert.match(
        last!.error,
        /^index_hourly_metrics_to_elasticsearch: OPENSEARCH_URL: cannot reach OpenSearch at http:\/\/127\.0\.0\.1:\d+ \(index txpipe_idx_\w+\): /,
      );
      const tries = await sql<{ try_number: number; state: string; started_ms: number; ended_ms: number }>(
        t,
        `SELECT try_number, state, extract(epoch FROM started_at) * 1000 AS started_ms, extract(epoch FROM ended_at) * 1000 AS ended_ms
         FROM task_runs WHERE run_id = $1 AND task_id = 'index_hourly_metrics_to_elasticsearch'
         ORDER BY try_number DESC LIMIT 3`,
        [last!.run_id],
      );
      assert.deepEqual(
        tries.map((x) => x.state),
        ['failed', 'failed', 'failed'],
      );
      const [third, second, first] = tries.map((x) => ({ started: Number(x.started_ms), ended: Number(x.ended_ms) }));
      assert.ok(second!.started - first!.ended >= 300 && third!.started - second!.ended >= 600, 'backoff between tries');
      // Three tries 300 ms then 600 ms apart, and no try waits on a timeout: seconds, not minutes (the
      // process bound is loose for the CLI's start on a busy machine). The tries, not dag_runs, time
      // it: a rerun under the same run_id keeps the run's first started_at.
      const taskSeconds = (third!.ended - first!.started) / 1000;
      assert.ok(
        taskSeconds < 10 && seconds < 30,
        `the index task against ${dead} took ${taskSeconds.toFixed(1)} s (process ${seconds.toFixed(1)} s)`,
      );
      assert.deepEqual(
        (await sql<{ h: string }>(t, 'SELECT event_hour::text AS h FROM index_pending_hours ORDER BY 1')).map((x) => x.h),
        changed,
      );
    }
    assert.ok(reset.connections() > 0, 'the resetting server was never reached');

    // Documents lag hourly_metrics only in the two queued hours: reconcile says so and passes.
    const before = await reconciled(t.env);
    assert.equal(before.code, 0, JSON.stringify(before.r.checks));
    const docsCheck = before.r.checks.find((c) => c.name === 'search_documents')!;
    assert.deepEqual([docsCheck.ok, docsCheck.pending_hours], [true, 2]);

    // The engine back: the next run sends exactly the two hours, and the index equals hourly_metrics.
    const ok = await cli(['dag', 'run', 'process_kafka_to_postgres'], t.env);
    assert.match(ok, /index_hourly_metrics_to_elasticsearch=success indexed:2\b/);
    const after = await readDocuments('opensearch', index);
    const metrics = JSON.parse(await cli(['metrics', 'hourly', '--format', 'json'], t.env)) as MetricsJson[];
    assert.deepEqual(
      after.map((h) => h._source),
      metrics.map(asDocument),
    );
    const rewritten = after.filter((h, i) => h._version !== indexed[i]!._version).map((h) => h._id);
    assert.deepEqual(rewritten, ['2026-05-01T01:00:00Z', '2026-05-01T03:00:00Z']);
    assert.equal((await sql<{ n: string }>(t, 'SELECT count(*) AS n FROM index_pending_hours'))[0]!.n, '0');
    const final = await reconciled(t.env);
    assert.equal(final.code, 0, JSON.stringify(final.r.checks));
    assert.equal(final.r.checks.find((c) => c.name === 'search_documents')!.pending_hours, 0);
  } finally {
    await reset.close();
    await dropIndex('opensearch', index);
    await t.cleanup();
  }
});

interface Interval {
  what: string;
  started_at: string;
  ended_at: string | null;
  started_us: string;
  ended_us: string | null;
}

/** Every recorded interval, in start order: a run or a task try that is still open fails the proof. */
async function intervals(t: Target, table: 'dag_runs' | 'task_runs'): Promise<Interval[]> {
  const what = table === 'dag_runs' ? `run_id || ' ' || state` : `run_id || ' ' || task_id || ' #' || try_number || ' ' || state`;
  return sql<Interval>(
    t,
    `SELECT ${what} AS what, started_at::text, ended_at::text,
            (extract(epoch FROM started_at) * 1e6)::bigint::text AS started_us, (extract(epoch FROM ended_at) * 1e6)::bigint::text AS ended_us
     FROM ${table} ORDER BY started_at`,
  );
}

function assertNoOverlap(list: Interval[]): void {
  list.forEach((x, i) => {
    assert.ok(x.ended_us !== null, `${x.what} never ended`);
    const next = list[i + 1];
    if (next)
      assert.ok(BigInt(next.started_us) >= BigInt(x.ended_us), `${next.what} (${next.started_at}) started before ${x.what} ended (${x.ended_at})`);
  });
}

function scheduler(env: Record<string, string>): { child: ChildProcess; exited: Promise<number | null>; stdout: () => string; stderr: () => string } {
  const child = spawn(process.execPath, [...nodeFlags, main, 'dag', 'schedule', 'process_kafka_to_postgres', '--schedule', '*/1 * * * * *'], {
    env: cliEnv({ ...env, TXPIPE_LOG_LEVEL: 'info' }),
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

test('two schedulers on one database never run the DAG at the same time, and both stop with exit 0 on SIGTERM', async () => {
  const t = await freshTarget({}, 'postgres');
  const a = scheduler(t.env);
  const b = scheduler(t.env);
  try {
    const messages: string[] = [];
    /** The run ids a scheduler printed with this outcome. */
    const outcomes = (s: typeof a, state: string) =>
      s
        .stdout()
        .split('\n')
        .map((l) => /^(scheduled__\S+Z): (\w+) in /.exec(l))
        .filter((m) => m?.[2] === state)
        .map((m) => m![1]!);
    // Two schedulers share a tick's run id: when one finishes before the other's tick fires, the
    // second reruns it under the same id (one dag_runs row, more task tries), never beside it.
    const successes = () => new Set([...outcomes(a, 'success'), ...outcomes(b, 'success')]).size;
    const locked = () => outcomes(a, 'locked').length + outcomes(b, 'locked').length;
    // Data keeps arriving while both tick every second, until the lock has turned one of them away
    // and several runs have processed new rows.
    for (let i = 0; successes() < 5 || locked() < 1; i++) {
      assert.ok(i < 150, `after ${i} batches: ${successes()} runs, ${locked()} turned away\n${a.stderr()}\n${b.stderr()}`);
      const batch = generated(400, 100 + i, new Date(Date.parse('2026-06-01T00:00:00Z') + i * 1_800_000).toISOString(), 800);
      messages.push(...batch);
      await ingestInto(t, batch);
      await new Promise((r) => setTimeout(r, 200));
    }
    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    assert.equal(await a.exited, 0, a.stderr());
    assert.equal(await b.exited, 0, b.stderr());

    const runs = await intervals(t, 'dag_runs');
    assert.deepEqual(
      runs.map((x) => x.what).sort(),
      [...new Set([...outcomes(a, 'success'), ...outcomes(b, 'success')])].sort().map((id) => `${id} success`),
      'every run either scheduler reported, each recorded once and ended',
    );
    assertNoOverlap(runs);
    assertNoOverlap(await intervals(t, 'task_runs'));

    // Whatever each run took, together they left the tables as one complete run would.
    await cli(['dag', 'run', 'process_kafka_to_postgres'], t.env);
    assertMatches(await cli(['metrics', 'hourly', '--format', 'json'], t.env), expectedMetrics(messages, 0n));
    const { code, r } = await reconciled(t.env);
    assert.equal(code, 0, JSON.stringify(r.checks));
  } finally {
    a.child.kill('SIGKILL');
    b.child.kill('SIGKILL');
    await t.cleanup();
  }
});

interface Snapshot {
  clean: string;
  metrics: string;
  changed: string[];
  metricsPending: string[];
}

/** The derived tables as text (an md5 of each, ordered) and the queues. */
async function snapshot(t: Target): Promise<Snapshot> {
  const [row] = await sql<{ clean: string; metrics: string }>(
    t,
    `SELECT (SELECT md5(coalesce(string_agg(c::text, E'\\n' ORDER BY transaction_id), '')) FROM transactions_clean AS c) AS clean,
            (SELECT md5(coalesce(string_agg(m::text, E'\\n' ORDER BY event_hour), '')) FROM hourly_metrics AS m) AS metrics`,
  );
  const hours = async (q: string) => (await sql<{ h: string }>(t, q)).map((x) => x.h);
  return {
    clean: row!.clean,
    metrics: row!.metrics,
    // The hours of raw rows in log ranges run_transformations has not cleaned yet.
    changed: await hours(
      `SELECT DISTINCT date_trunc('hour', t.event_time)::text AS h FROM changed_ranges AS r
       JOIN transactions AS t ON t.log_partition = r.log_partition AND t.log_offset >= r.first_offset AND t.log_offset < r.next_offset
       ORDER BY 1`,
    ),
    metricsPending: await hours(
      'SELECT event_hour::text AS h FROM metrics_pending_hours UNION SELECT event_hour::text FROM metrics_deltas ORDER BY 1',
    ),
  };
}

test('a DAG run SIGKILLed inside run_transformations’ transaction leaves nothing half-written, and the next run completes it', async () => {
  const t = await freshTarget({}, 'postgres');
  const holder = new pg.Client({ connectionString: t.env.DATABASE_URL });
  try {
    const first = generated(3000, 71, '2026-07-01T00:00:00Z', 1000);
    await ingestInto(t, first);
    await cli(['dag', 'run', 'process_kafka_to_postgres'], t.env);
    // More events: new rows for the last hour and new hours, their log ranges queued in changed_ranges.
    const second = generated(3000, 72, '2026-07-01T02:30:00Z', 1000);
    await ingestInto(t, second);
    const before = await snapshot(t);
    assert.ok(before.changed.length >= 3, JSON.stringify(before));
    assert.deepEqual(before.metricsPending, []);

    // The test holds a lock that run_transformations' statement after cleaning the new rows (taking the
    // hours queued for a recompute) waits for, so the run stops inside its transaction after writing
    // the new rows' clean rows and their deltas.
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE changed_hours IN SHARE ROW EXCLUSIVE MODE');
    const child = spawn(process.execPath, [...nodeFlags, main, 'dag', 'run', 'process_kafka_to_postgres'], { env: cliEnv(t.env) });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const closed = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_c, s) => resolve(s)));

    let blocked: { pid: number } | undefined;
    await until('run_transformations to wait on the lock inside its transaction', 60, async () => {
      [blocked] = await sql<{ pid: number }>(
        t,
        `SELECT a.pid FROM pg_stat_activity AS a
         WHERE a.datname = current_database() AND a.state = 'active' AND a.wait_event_type = 'Lock'
           AND a.xact_start IS NOT NULL AND a.backend_xid IS NOT NULL
           AND a.query LIKE '%DELETE FROM changed_hours%'`,
      );
      return blocked !== undefined;
    });
    // It has written inside that transaction: it holds the write lock on transactions_clean.
    const held = await sql<{ mode: string }>(
      t,
      `SELECT mode FROM pg_locks WHERE pid = $1 AND relation = 'transactions_clean'::regclass AND granted`,
      [blocked!.pid],
    );
    assert.deepEqual(
      held.map((l) => l.mode),
      ['RowExclusiveLock'],
    );

    child.kill('SIGKILL');
    assert.equal(await closed, 'SIGKILL', stderr);
    // Its backend is still inside the open transaction; once the lock is free it finds its client
    // gone and rolls back.
    await holder.query('ROLLBACK');
    await until(
      'the killed run’s backend to end',
      30,
      async () => (await sql(t, 'SELECT 1 FROM pg_stat_activity WHERE pid = $1', [blocked!.pid])).length === 0,
    );

    assert.deepEqual(await snapshot(t), before, 'the killed transaction left a trace');
    const { code: pendingCode, r: pending } = await reconciled(t.env);
    assert.equal(pendingCode, 0, JSON.stringify(pending.checks));
    assert.equal(pending.checks.find((c) => c.name === 'transactions_clean')!.pending_hours, before.changed.length);

    await cli(['dag', 'run', 'process_kafka_to_postgres'], t.env);
    assertMatches(await cli(['metrics', 'hourly', '--format', 'json'], t.env), expectedMetrics([...first, ...second], 0n));
    const { code, r } = await reconciled(t.env);
    assert.equal(code, 0, JSON.stringify(r.checks));
    assert.ok(r.checks.every((c) => c.pending_hours === 0));
  } finally {
    await holder.end().catch(() => {});
    await t.cleanup();
  }
});
