/**
 * process_kafka_to_postgres under a real Airflow 3 scheduler: the api-server, the scheduler
 * (LocalExecutor) and the dag-processor from the venv that scripts/airflow/setup.sh builds, with their
 * metadata in a fresh database on the real PostgreSQL (as compose.yaml runs it: SQLite locks under a
 * scheduler, a dag-processor and a CLI writing at once), against OpenSearch/Elasticsearch. The test
 * unpauses the DAG and waits for the run Airflow creates at once for the last complete hour (catchup
 * off), triggers a manual run without a logical date from the CLI, one with a logical date and conf
 * through the REST API, one whose first task fails before txpipe starts, and a backfill of two hours,
 * and checks Airflow's task states, `txpipe dag runs` and the search documents against an independent
 * computation. Every process it started is stopped (and checked gone). Needs DATABASE_URL and
 * OPENSEARCH_URL (or ELASTICSEARCH_URL); fails, never skips, when a server or Airflow cannot start.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { expectedMetrics } from '../support/expected.ts';
import { baseEnv, describe as describeRun, repoRoot, run as runFor, type Result } from './processes.ts';
import { freePort, logTail, startComponent, stopAll, type Component } from './airflow-components.ts';

const venv = process.env.TXPIPE_AIRFLOW_VENV || join(repoRoot, '.venv', 'airflow');
const airflowBin = join(venv, 'bin', 'airflow');
const pythonBin = join(venv, 'bin', 'python');
const cliMain = join(repoRoot, 'src', 'cli', 'main.ts');
const DAG_ID = 'process_kafka_to_postgres';
const TASK_IDS = ['run_transformations', 'refresh_views', 'check_data_quality', 'index_hourly_metrics_to_elasticsearch'];
const HOUR = 3_600_000;

// ---------------------------------------------------------------------------------------------
// Processes

const run = (cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 180_000): Promise<Result> => runFor(cmd, args, env, timeoutMs);
const describe = (what: string, r: Result): string => describeRun(what, r, 4000);

/** Thrown by a probe to stop waiting at once (a component died). */
class Fatal extends Error {}

async function until<T>(what: string, seconds: number, probe: () => Promise<T | undefined>, diagnose: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      if (err instanceof Fatal) throw err;
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${seconds} s waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}\n${diagnose()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

// ---------------------------------------------------------------------------------------------
// Fixtures

const adminUrl = process.env.DATABASE_URL ?? '';
const searchUrl = (process.env.OPENSEARCH_URL || process.env.ELASTICSEARCH_URL || '').replace(/\/+$/, '');
const searchEnvName = process.env.OPENSEARCH_URL ? 'OPENSEARCH_URL' : 'ELASTICSEARCH_URL';
const suffix = randomBytes(5).toString('hex');
const dbName = `txpipe_sched_${suffix}`;
const metaDbName = `airflow_sched_${suffix}`;
const indexName = `txpipe_sched_test_${suffix}`;
const password = randomBytes(12).toString('hex');
let dbUrl = '';
let metaUrl = '';
let work = '';
let airflowHome = '';
let apiUrl = '';
let failMarker = '';
let txpipeCmd = '';
let logPort = 0;
let dbCreated = false;
let metaDbCreated = false;
let components: Component[] = [];
let stopping = false;

async function searchFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const user = process.env.OPENSEARCH_USERNAME || process.env.ELASTICSEARCH_USERNAME;
  const pass = process.env.OPENSEARCH_PASSWORD || process.env.ELASTICSEARCH_PASSWORD;
  if (process.env.ELASTICSEARCH_API_KEY) headers.set('authorization', `ApiKey ${process.env.ELASTICSEARCH_API_KEY}`);
  else if (user) headers.set('authorization', `Basic ${Buffer.from(`${user}:${pass ?? ''}`).toString('base64')}`);
  if (init.body) headers.set('content-type', 'application/json');
  return fetch(`${searchUrl}${path}`, { ...init, headers, signal: AbortSignal.timeout(30_000) });
}

function txpipeEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...baseEnv(), DATABASE_URL: dbUrl, TXPIPE_INDEX: indexName, TXPIPE_RETENTION_DAYS: '36500' };
  env[searchEnvName] = searchUrl;
  for (const k of [
    'OPENSEARCH_USERNAME',
    'OPENSEARCH_PASSWORD',
    'ELASTICSEARCH_USERNAME',
    'ELASTICSEARCH_PASSWORD',
    'ELASTICSEARCH_API_KEY',
    'SEARCH_TLS_REJECT_UNAUTHORIZED',
  ]) {
    if (process.env[k]) env[k] = process.env[k];
  }
  return env;
}

async function txpipe(args: string[]): Promise<string> {
  const r = await run(txpipeCmd, args, txpipeEnv());
  assert.equal(r.code, 0, describe(`txpipe ${args.join(' ')}`, r));
  return r.stdout;
}

/**
 * Every setting lives in the environment of every component (the scheduler's LocalExecutor runs the
 * tasks, so txpipe's settings must be there too), as the README shows.
 */
function airflowEnv(): NodeJS.ProcessEnv {
  const apiPort = new URL(apiUrl).port;
  return {
    ...txpipeEnv(),
    AIRFLOW_HOME: airflowHome,
    AIRFLOW__CORE__DAGS_FOLDER: join(repoRoot, 'airflow', 'dags'),
    AIRFLOW__CORE__LOAD_EXAMPLES: 'False',
    AIRFLOW__CORE__EXECUTOR: 'LocalExecutor',
    AIRFLOW__CORE__PARALLELISM: '4',
    AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION: 'True',
    AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT: '120',
    AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: metaUrl,
    AIRFLOW__CORE__EXECUTION_API_SERVER_URL: `${apiUrl}/execution/`,
    AIRFLOW__API__HOST: '127.0.0.1',
    AIRFLOW__API__PORT: apiPort,
    AIRFLOW__API__WORKERS: '1',
    AIRFLOW__API__BASE_URL: apiUrl,
    AIRFLOW__API_AUTH__JWT_SECRET: `jwt-${suffix}-${password}`,
    AIRFLOW__API__SECRET_KEY: `key-${suffix}-${password}`,
    AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS: 'txpipe:admin',
    AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE: join(airflowHome, 'passwords.json'),
    AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT: String(logPort),
    // Fast loops, so the test waits seconds, not minutes.
    AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC: '2',
    AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL: '5',
    AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL: '10',
    AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES: '1',
    TXPIPE_CMD: txpipeCmd,
    TXPIPE_RETRIES: '0', // a failing task fails at once instead of after the backoff
    TXPIPE_LOG_FORMAT: 'json',
    NO_COLOR: '1',
    PYTHONDONTWRITEBYTECODE: '1', // no __pycache__ in airflow/dags or test/airflow
  };
}

async function airflow(args: string[], timeoutMs = 180_000): Promise<Result> {
  return run(airflowBin, args, airflowEnv(), timeoutMs);
}

function diagnostics(): string {
  return components.map((c) => `--- ${c.name} (${c.logFile})\n${logTail(c, 40)}`).join('\n');
}

// ---------------------------------------------------------------------------------------------
// The REST API (v2), with a JWT from the simple auth manager.

let token = '';

async function api<T>(method: string, path: string, body?: unknown, expect: number[] = [200]): Promise<T> {
  const res = await fetch(`${apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  assert.ok(expect.includes(res.status), `${method} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

interface AirflowRun {
  dag_run_id: string;
  run_type: string;
  state: string;
  logical_date: string | null;
  data_interval_start: string | null;
  data_interval_end: string | null;
  run_after: string;
  conf: Record<string, unknown> | null;
}

async function airflowRuns(): Promise<AirflowRun[]> {
  const r = await api<{ dag_runs: AirflowRun[] }>('GET', `/api/v2/dags/${DAG_ID}/dagRuns?limit=100`);
  return r.dag_runs;
}

async function taskStates(runId: string): Promise<Record<string, string | null>> {
  const r = await api<{ task_instances: { task_id: string; state: string | null }[] }>(
    'GET',
    `/api/v2/dags/${DAG_ID}/dagRuns/${encodeURIComponent(runId)}/taskInstances`,
  );
  return Object.fromEntries(r.task_instances.map((ti) => [ti.task_id, ti.state]));
}

/** Waits for a run to finish (success or failed) and returns it. */
async function finished(runId: string, seconds = 120): Promise<AirflowRun> {
  return until(
    `run ${runId} to finish`,
    seconds,
    async () => {
      const r = (await airflowRuns()).find((x) => x.dag_run_id === runId);
      return r && (r.state === 'success' || r.state === 'failed') ? r : undefined;
    },
    diagnostics,
  );
}

// ---------------------------------------------------------------------------------------------
// txpipe's side

interface RecordedRun {
  run_id: string;
  logical_date: string;
  run_type: string;
  full_refresh: boolean;
  state: string;
  error: string | null;
  tasks: { task_id: string; state: string; try_number: number; error: string | null; summary: Record<string, unknown> | null }[];
}

async function txpipeRuns(): Promise<Map<string, RecordedRun>> {
  const runs = JSON.parse(await txpipe(['dag', 'runs', '--format', 'json', '--limit', '100'])) as RecordedRun[];
  return new Map(runs.map((r) => [r.run_id, r]));
}

interface MetricRow {
  event_hour: string;
  total_transactions: number | string;
  total_amount: number | string;
  late_transactions: number | string;
  late_ratio: number | string;
}

interface ExpectedHour {
  event_hour_ms: number;
  total_transactions: number;
  total_amount: string;
  late_transactions: number;
}

function expectedHours(lines: string[]): ExpectedHour[] {
  return expectedMetrics(lines, 0n).hours.map((h) => ({
    event_hour_ms: Date.parse(h.event_hour),
    total_transactions: h.total_transactions,
    total_amount: h.total_amount,
    late_transactions: h.late_transactions,
  }));
}

function assertMetricsEqual(actual: MetricRow[], expected: ExpectedHour[], what: string): void {
  assert.equal(
    actual.length,
    expected.length,
    `${what}: ${actual.length} hours, expected ${expected.length} (${actual.map((r) => r.event_hour).join(', ')})`,
  );
  expected.forEach((e, i) => {
    const a = actual[i]!;
    const label = `${what} hour ${new Date(e.event_hour_ms).toISOString()}`;
    assert.equal(Date.parse(a.event_hour), e.event_hour_ms, `${label}: event_hour ${a.event_hour}`);
    assert.equal(Number(a.total_transactions), e.total_transactions, `${label}: total_transactions`);
    assert.ok(
      Math.abs(Number(a.total_amount) - Number(e.total_amount)) <= 1e-6,
      `${label}: total_amount ${a.total_amount}, expected ${e.total_amount}`,
    );
    assert.equal(Number(a.late_transactions), e.late_transactions, `${label}: late_transactions`);
    const ratio = e.late_transactions / e.total_transactions;
    assert.ok(Math.abs(Number(a.late_ratio) - ratio) <= 1e-9, `${label}: late_ratio ${a.late_ratio}, expected ${ratio}`);
  });
}

async function assertWarehouseAndIndex(expected: ExpectedHour[], what: string): Promise<void> {
  const metrics = JSON.parse(await txpipe(['metrics', 'hourly', '--format', 'json'])) as MetricRow[];
  assertMetricsEqual(metrics, expected, `${what}: txpipe metrics hourly`);
  const refresh = await searchFetch(`/${indexName}/_refresh`, { method: 'POST' });
  assert.ok(refresh.ok, `refresh ${indexName}: ${refresh.status} ${await refresh.text()}`);
  const res = await searchFetch(`/${indexName}/_search?size=10000&sort=event_hour:asc`);
  const body = (await res.json()) as { hits?: { hits: { _id: string; _source: MetricRow }[] } };
  assert.ok(res.ok, `search ${indexName}: ${res.status} ${JSON.stringify(body)}`);
  const docs = body.hits?.hits ?? [];
  assertMetricsEqual(
    docs.map((d) => d._source),
    expected,
    `${what}: documents under ${indexName}`,
  );
  for (const d of docs) assert.equal(d._id, d._source.event_hour, '_id is the event hour');
}

async function sql<Row>(text: string, params: unknown[] = []): Promise<Row[]> {
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as Row[];
  } finally {
    await client.end();
  }
}

async function dropTestIndices(): Promise<void> {
  const res = await searchFetch(`/_cat/indices/${indexName}*?format=json&expand_wildcards=all`);
  if (res.ok) {
    const rows = (await res.json()) as { index: string }[];
    for (const { index } of rows) if (index === indexName || index.startsWith(`${indexName}-`)) await searchFetch(`/${index}`, { method: 'DELETE' });
  }
  await searchFetch(`/_index_template/${indexName}`, { method: 'DELETE' });
  await searchFetch(`/_plugins/_ism/policies/${indexName}-retention`, { method: 'DELETE' }).catch(() => undefined);
  await searchFetch(`/_ilm/policy/${indexName}-retention`, { method: 'DELETE' }).catch(() => undefined);
}

// ---------------------------------------------------------------------------------------------

before(async () => {
  assert.ok(adminUrl, 'DATABASE_URL is not set: run `eval "$(npm run -s services:up)"` or `npm run test:airflow`');
  assert.ok(searchUrl, 'OPENSEARCH_URL (or ELASTICSEARCH_URL) is not set: run `eval "$(npm run -s services:up)"` or `npm run test:airflow`');
  assert.ok(existsSync(airflowBin), `no Airflow at ${airflowBin}: run scripts/airflow/setup.sh`);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${dbName}`);
    dbCreated = true;
    await admin.query(`CREATE DATABASE ${metaDbName}`);
    metaDbCreated = true;
  } finally {
    await admin.end();
  }
  const u = new URL(adminUrl);
  u.pathname = `/${dbName}`;
  dbUrl = u.toString();
  u.pathname = `/${metaDbName}`;
  u.protocol = 'postgresql+psycopg2:';
  metaUrl = u.toString();
  work = await mkdtemp(join(tmpdir(), 'txpipe-airflow-scheduler-'));
  airflowHome = join(work, 'airflow-home');
  await mkdir(airflowHome, { recursive: true });
  await writeFile(join(airflowHome, 'passwords.json'), JSON.stringify({ txpipe: password }), { mode: 0o600 });
  apiUrl = `http://127.0.0.1:${await freePort()}`;
  logPort = await freePort();
  failMarker = join(work, 'txpipe-cannot-start');
  // TXPIPE_CMD as the README shows it for a checkout (main.ts with its shebang's flags, on the project's
  // Node 24 whatever `node` the machine has), plus a switch for the test: while failMarker exists,
  // `task run` fails before txpipe starts, as on a worker that cannot start it.
  txpipeCmd = join(work, 'txpipe');
  await writeFile(
    txpipeCmd,
    [
      '#!/usr/bin/env bash',
      `if [[ "\${1:-} \${2:-}" == "task run" && -e '${failMarker}' ]]; then echo "txpipe: cannot start (test switch)" >&2; exit 127; fi`,
      `exec env PATH='${dirname(process.execPath)}':"$PATH" '${cliMain}' "$@"`,
      '',
    ].join('\n'),
  );
  await chmod(txpipeCmd, 0o755);
  const health = await searchFetch('/');
  assert.ok(health.ok, `search engine at ${searchUrl}: ${health.status}`);
});

after(async () => {
  stopping = true;
  const { left } = await stopAll();
  if (searchUrl) await dropTestIndices().catch((e) => console.error(`could not delete test indices: ${String(e)}`));
  if (dbCreated || metaDbCreated) {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      for (const name of [dbName, metaDbName]) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  }
  if (work && !process.env.TXPIPE_KEEP_TEST_DIR) await rm(work, { recursive: true, force: true });
  assert.deepEqual(left, [], 'processes left running after the Airflow components were stopped');
});

test('under a real Airflow scheduler: the unpause run, manual runs with and without a logical date, the REST API, a failure before txpipe starts, a backfill', {
  timeout: 480_000,
}, async (t) => {
  let failed = '';
  const step = (name: string, fn: () => Promise<void>) =>
    t.test(name, async () => {
      assert.equal(failed, '', `not run: the earlier step "${failed}" failed`);
      try {
        await fn();
      } catch (e) {
        failed = name;
        throw e;
      }
    });
  const timings: string[] = [];
  const timed = async (name: string, fn: () => Promise<void>) => {
    const started = Date.now();
    await step(name, fn);
    timings.push(`${name}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  };

  const file = join(work, 'first.ndjson');
  const second = join(work, 'second.ndjson');
  let lines: string[] = [];
  let expected: ExpectedHour[] = [];

  // Independent of each other, so side by side: the DAG's own checks, txpipe's data, Airflow's schema.
  await timed('prepare: the DAG renders every run type from dag_run and ti only; txpipe loads events; airflow db migrate', async () => {
    const checks = (async () => {
      const r = await run(
        pythonBin,
        [join(import.meta.dirname, 'dag_runs_check.py'), join(repoRoot, 'airflow', 'dags', 'process_kafka_to_postgres.py'), work],
        airflowEnv(),
      );
      assert.equal(r.code, 0, describe('dag_runs_check.py', r));
      assert.match(r.stdout, /^ok$/m);
    })();
    const load = (async () => {
      await txpipe(['migrate']);
      await txpipe(['generate', '--count', '1500', '--seed', '11', '--start', '2026-03-01T00:00:00Z', '--events-per-hour', '500', '--out', file]);
      lines = (await readFile(file, 'utf8')).split('\n').filter((l) => l.length > 0);
      expected = expectedHours(lines);
      assert.ok(expected.length >= 3, `several event hours (${expected.length})`);
      await txpipe(['produce', '--file', file]);
      await txpipe(['ingest', '--until-idle']);
    })();
    const migrate = (async () => {
      const m = await airflow(['db', 'migrate']);
      assert.equal(m.code, 0, describe('airflow db migrate', m));
    })();
    const results = await Promise.allSettled([checks, load, migrate]);
    for (const r of results) if (r.status === 'rejected') throw r.reason;
  });

  await timed('Airflow starts: api-server, scheduler, dag-processor; the DAG parses', async () => {
    const env = airflowEnv();
    components = [
      startComponent(
        'api-server',
        airflowBin,
        ['api-server', '--host', '127.0.0.1', '--port', new URL(apiUrl).port],
        env,
        join(work, 'api-server.log'),
        repoRoot,
      ),
      startComponent('scheduler', airflowBin, ['scheduler'], env, join(work, 'scheduler.log'), repoRoot),
      startComponent('dag-processor', airflowBin, ['dag-processor'], env, join(work, 'dag-processor.log'), repoRoot),
    ];
    for (const c of components) {
      void c.exited.then((code) => {
        if (!stopping) console.error(`${c.name} exited (${code}) before the test stopped it`);
      });
    }
    token = await until(
      'the api-server to issue a token',
      120,
      async () => {
        for (const c of components) {
          const code = await Promise.race([c.exited, Promise.resolve('running' as const)]);
          if (code !== 'running') throw new Fatal(`${c.name} exited with ${code}:\n${logTail(c)}`);
        }
        const res = await fetch(`${apiUrl}/auth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'txpipe', password }),
          signal: AbortSignal.timeout(5000),
        });
        if (res.status !== 200 && res.status !== 201) return undefined;
        return ((await res.json()) as { access_token: string }).access_token;
      },
      diagnostics,
    );
    const dag = await until(
      'the dag-processor to parse the DAG',
      120,
      async () => {
        const res = await fetch(`${apiUrl}/api/v2/dags/${DAG_ID}`, {
          headers: { authorization: `Bearer ${token}` },
          signal: AbortSignal.timeout(5000),
        });
        return res.ok ? ((await res.json()) as { is_paused: boolean }) : undefined;
      },
      diagnostics,
    );
    assert.equal(dag.is_paused, true, 'new DAGs start paused');
    const errors = await api<{ import_errors: { filename: string; stack_trace: string }[] }>('GET', '/api/v2/importErrors');
    assert.deepEqual(
      errors.import_errors.map((e) => `${e.filename}: ${e.stack_trace}`),
      [],
      'import errors',
    );
  });

  let scheduledRun: AirflowRun;
  await timed('unpausing creates a scheduled run for the last complete hour at once; it succeeds', async () => {
    const unpausedAt = Date.now();
    await api('PATCH', `/api/v2/dags/${DAG_ID}`, { is_paused: false });
    const created = await until('the scheduled run', 90, async () => (await airflowRuns()).find((r) => r.run_type === 'scheduled'), diagnostics);
    scheduledRun = await finished(created.dag_run_id);
    assert.equal(
      scheduledRun.state,
      'success',
      `scheduled run ${scheduledRun.dag_run_id}: ${JSON.stringify(await taskStates(scheduledRun.dag_run_id))}\n${diagnostics()}`,
    );
    const start = Date.parse(scheduledRun.data_interval_start!);
    const end = Date.parse(scheduledRun.data_interval_end!);
    assert.equal(end - start, HOUR, 'an hourly data interval');
    const lastFullHour = Math.floor(unpausedAt / HOUR) * HOUR - HOUR;
    assert.ok(
      start === lastFullHour || start === lastFullHour + HOUR,
      `the last complete hour before the unpause, got ${scheduledRun.data_interval_start}`,
    );
    assert.equal(Date.parse(scheduledRun.logical_date!), start, 'logical date = data_interval_start');
    const older = (await airflowRuns()).filter((r) => r.run_type === 'scheduled' && Date.parse(r.data_interval_start!) < start);
    assert.deepEqual(
      older.map((r) => r.dag_run_id),
      [],
      'catchup off: no run for the hours before',
    );
    assert.deepEqual(await taskStates(scheduledRun.dag_run_id), Object.fromEntries(TASK_IDS.map((id) => [id, 'success'])));
    const recorded = (await txpipeRuns()).get(scheduledRun.dag_run_id);
    assert.ok(recorded, `txpipe dag runs lists ${scheduledRun.dag_run_id}`);
    assert.equal(recorded.state, 'success');
    assert.equal(recorded.run_type, 'airflow');
    assert.equal(Date.parse(recorded.logical_date), start);
    assert.deepEqual(
      recorded.tasks.map((x) => [x.task_id, x.state, x.try_number]),
      TASK_IDS.map((id) => [id, 'success', 1]),
    );
    await assertWarehouseAndIndex(expected, 'after the scheduled run');
  });

  await timed('airflow dags trigger without a logical date: the hours changed since the last run', async () => {
    await txpipe(['generate', '--count', '400', '--seed', '12', '--start', '2026-03-01T06:00:00Z', '--events-per-hour', '500', '--out', second]);
    const more = (await readFile(second, 'utf8')).split('\n').filter((l) => l.length > 0);
    await txpipe(['produce', '--file', second]);
    await txpipe(['ingest', '--until-idle']);
    lines = [...lines, ...more];
    expected = expectedHours(lines);
    const before = new Set((await airflowRuns()).map((r) => r.dag_run_id));
    const triggered = Date.now();
    const r = await airflow(['dags', 'trigger', DAG_ID]);
    assert.equal(r.code, 0, describe('airflow dags trigger', r));
    const created = await until('the manual run', 30, async () => (await airflowRuns()).find((x) => !before.has(x.dag_run_id)), diagnostics);
    assert.equal(created.run_type, 'manual');
    assert.equal(created.logical_date, null, 'no logical date');
    assert.equal(created.data_interval_start, null, 'Airflow 3 gives a run without a logical date no data interval');
    const done = await finished(created.dag_run_id);
    assert.equal(done.state, 'success', `${JSON.stringify(await taskStates(done.dag_run_id))}\n${diagnostics()}`);
    const recorded = (await txpipeRuns()).get(done.dag_run_id)!;
    assert.ok(recorded, `txpipe dag runs lists ${done.dag_run_id}`);
    assert.equal(recorded.state, 'success');
    const runAfterHour = Math.floor(Date.parse(done.run_after) / HOUR) * HOUR;
    assert.equal(Date.parse(recorded.logical_date), runAfterHour - HOUR, 'recorded under the hour before its run_after, as `txpipe dag run`');
    assert.ok(Math.abs(Date.parse(done.run_after) - triggered) < 60_000, `run_after ${done.run_after} is the trigger time`);
    const transform = recorded.tasks.find((x) => x.task_id === 'run_transformations')!;
    assert.ok(Number(transform.summary?.rows) > 0, `the new rows were transformed: ${JSON.stringify(transform.summary)}`);
    await assertWarehouseAndIndex(expected, 'after the manual run without a logical date');
  });

  await timed('the REST API: a run with a logical date and conf full_refresh', async () => {
    const created = await api<AirflowRun>(
      'POST',
      `/api/v2/dags/${DAG_ID}/dagRuns`,
      { logical_date: '2026-03-01T03:00:00Z', conf: { full_refresh: true } },
      [200, 201],
    );
    assert.equal(created.run_type, 'manual');
    const done = await finished(created.dag_run_id);
    assert.equal(done.state, 'success', `${JSON.stringify(await taskStates(done.dag_run_id))}\n${diagnostics()}`);
    assert.deepEqual(await taskStates(done.dag_run_id), Object.fromEntries(TASK_IDS.map((id) => [id, 'success'])));
    const recorded = (await txpipeRuns()).get(done.dag_run_id)!;
    assert.ok(recorded, `txpipe dag runs lists ${done.dag_run_id}`);
    assert.equal(recorded.state, 'success');
    assert.equal(recorded.full_refresh, true, 'conf full_refresh reached txpipe');
    assert.equal(Date.parse(recorded.logical_date), Date.parse(done.data_interval_start!), 'the interval Airflow inferred');
    assert.equal(Date.parse(done.data_interval_end!) - Date.parse(done.data_interval_start!), HOUR);
    await assertWarehouseAndIndex(expected, 'after the full refresh');
  });

  await timed('a run whose first task fails before txpipe starts is in txpipe dag runs, failed', async () => {
    await writeFile(failMarker, '');
    let done: AirflowRun;
    try {
      const created = await api<AirflowRun>('POST', `/api/v2/dags/${DAG_ID}/dagRuns`, { logical_date: null }, [200, 201]);
      done = await finished(created.dag_run_id);
    } finally {
      await rm(failMarker, { force: true });
    }
    assert.equal(done.state, 'failed');
    assert.deepEqual(await taskStates(done.dag_run_id), {
      run_transformations: 'failed',
      refresh_views: 'upstream_failed',
      check_data_quality: 'upstream_failed',
      index_hourly_metrics_to_elasticsearch: 'upstream_failed',
    });
    // The callback ran in the task's process after Airflow recorded the failure: give it a moment.
    const recorded = await until('txpipe to record the failed run', 30, async () => (await txpipeRuns()).get(done.dag_run_id), diagnostics);
    assert.equal(recorded.state, 'failed');
    assert.match(recorded.error ?? '', /^run_transformations: .*127/);
    assert.deepEqual(
      recorded.tasks.map((x) => [x.task_id, x.state, x.try_number]),
      [['run_transformations', 'failed', 1]],
    );
  });

  await timed('airflow backfill create over two hours recomputes them from the raw rows', async () => {
    await sql(
      `UPDATE hourly_metrics SET total_transactions = 0, late_transactions = 0 WHERE event_hour IN ('2026-03-01 01:00:00', '2026-03-01 02:00:00')`,
    );
    const r = await airflow([
      'backfill',
      'create',
      '--dag-id',
      DAG_ID,
      '--from-date',
      '2026-03-01T01:00:00+00:00',
      '--to-date',
      '2026-03-01T02:00:00+00:00',
      '--max-active-runs',
      '2',
    ]);
    assert.equal(r.code, 0, describe('airflow backfill create', r));
    const backfillRuns = await until(
      'the backfill runs to finish',
      180,
      async () => {
        const runs = (await airflowRuns()).filter((x) => x.run_type === 'backfill');
        return runs.length > 0 && runs.every((x) => x.state === 'success' || x.state === 'failed') ? runs : undefined;
      },
      diagnostics,
    );
    const starts = backfillRuns.map((x) => x.data_interval_start!).sort();
    assert.deepEqual(
      starts.map((s) => new Date(s).toISOString()),
      ['2026-03-01T01:00:00.000Z', '2026-03-01T02:00:00.000Z'],
      'one run per hour from --from-date to --to-date (inclusive)',
    );
    const recorded = await txpipeRuns();
    for (const b of backfillRuns) {
      assert.equal(b.state, 'success', `${b.dag_run_id}: ${JSON.stringify(await taskStates(b.dag_run_id))}\n${diagnostics()}`);
      const rec = recorded.get(b.dag_run_id)!;
      assert.ok(rec, `txpipe dag runs lists ${b.dag_run_id}`);
      assert.equal(rec.state, 'success');
      const transform = rec.tasks.find((x) => x.task_id === 'run_transformations')!;
      assert.ok(Number(transform.summary?.hours) >= 1, `the backfill recomputed its hour: ${JSON.stringify(transform.summary)}`);
    }
    await assertWarehouseAndIndex(expected, 'after the backfill');
  });

  await timed('txpipe dag runs agrees with Airflow on every run', async () => {
    const recorded = await txpipeRuns();
    const runs = await airflowRuns();
    // 1 scheduled (2 if an hour turned during the test), 2 manual, 1 failed, 2 backfill.
    assert.ok(runs.length >= 6, `runs: ${runs.map((r) => `${r.dag_run_id}=${r.state}`).join(', ')}`);
    for (const r of runs) {
      const rec = recorded.get(r.dag_run_id);
      assert.ok(rec, `txpipe dag runs lists ${r.dag_run_id}`);
      assert.equal(rec.state, r.state, `${r.dag_run_id}: txpipe ${rec.state}, Airflow ${r.state}`);
    }
  });

  await timed('stopping: every Airflow process and task process is gone', async () => {
    stopping = true;
    const stopped = await stopAll();
    t.diagnostic(`stopped in ${stopped.seconds.toFixed(1)} s; outlived their component's SIGTERM: ${stopped.forced.join(' | ') || 'none'}`);
    assert.deepEqual(stopped.left, [], 'processes left running');
    assert.deepEqual(stopped.forced, [], "every process ends on its component's SIGTERM (the scheduler ends its workers)");
    for (const c of components) {
      const code = await Promise.race([c.exited, new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), 5000))]);
      assert.notEqual(code, 'running', `${c.name} still running`);
    }
  });
  t.diagnostic(timings.join('; '));
});
