/**
 * Airflow end to end: the DAG airflow/dags/process_kafka_to_postgres.py, run by a real Airflow 3
 * (`airflow dags test`, SQLite metadata) from the venv that scripts/airflow/setup.sh builds, drives
 * txpipe's own tasks through its CLI against a real PostgreSQL and Elasticsearch. The hourly metrics in
 * PostgreSQL and the documents in the search index must equal an independent computation from the
 * generated events, and a second run for the same date must change nothing.
 *
 * Needs DATABASE_URL (an admin URL: the test creates and drops its own database) and ELASTICSEARCH_URL
 * (or OPENSEARCH_URL; with both, as services:up exports them, it indexes into Elasticsearch, the seed's
 * engine); `npm run test:airflow` starts them when they are missing. Never skips.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { expectedMetrics } from '../support/expected.ts';
import { baseEnv, describe as describeRun, repoRoot, run as runFor, type Result } from './processes.ts';

const venv = process.env.TXPIPE_AIRFLOW_VENV || join(repoRoot, '.venv', 'airflow');
const airflowBin = join(venv, 'bin', 'airflow');
const cliMain = join(repoRoot, 'src', 'cli', 'main.ts');
const DAG_ID = 'process_kafka_to_postgres';
const TASK_IDS = ['run_transformations', 'refresh_views', 'check_data_quality', 'index_hourly_metrics_to_elasticsearch'];
const RUN_DATE = '2026-03-01T05:00:00+00:00';

// ---------------------------------------------------------------------------------------------
// Processes

const run = (cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 300_000): Promise<Result> => runFor(cmd, args, env, timeoutMs);
const describe = (what: string, r: Result): string => describeRun(what, r, 6000);

// ---------------------------------------------------------------------------------------------
// The independent computation of hourly_metrics from the NDJSON lines (no txpipe code).

interface ExpectedHour {
  event_hour_ms: number;
  total_transactions: number;
  total_amount: string;
  late_transactions: number;
}

interface Expected {
  lines: number;
  valid: number;
  duplicates: number;
  invalid: number;
  withOffset: number;
  hours: ExpectedHour[];
}

/** The independent computation shared by the end-to-end tests (test/support/expected.ts), per hour. */
function computeExpected(ndjson: string): Expected {
  const lines = ndjson.split('\n').filter((l) => l.length > 0);
  // The generator always writes processing_time, so the stand-in append time never matters here.
  const e = expectedMetrics(lines, 0n);
  const withOffset = lines.filter((l) => /"event_time":"[^"]*[+-]\d\d:?\d\d"/.test(l)).length;
  return {
    lines: lines.length,
    valid: e.valid,
    duplicates: e.duplicates,
    invalid: e.invalid,
    withOffset,
    hours: e.hours.map((h) => ({
      event_hour_ms: Date.parse(h.event_hour),
      total_transactions: h.total_transactions,
      total_amount: h.total_amount,
      late_transactions: h.late_transactions,
    })),
  };
}

interface MetricRow {
  event_hour: string;
  total_transactions: number | string;
  total_amount: number | string;
  late_transactions: number | string;
  late_ratio: number | string;
}

function assertMetricsEqual(actual: MetricRow[], expected: ExpectedHour[], what: string): void {
  const hoursOf = (rows: MetricRow[]) => rows.map((r) => r.event_hour);
  assert.equal(actual.length, expected.length, `${what}: ${actual.length} hours, expected ${expected.length} (${hoursOf(actual).join(', ')})`);
  expected.forEach((e, i) => {
    const a = actual[i]!;
    const label = `${what} hour ${new Date(e.event_hour_ms).toISOString()}`;
    assert.match(
      a.event_hour,
      /^\d{4}-\d{2}-\d{2}T\d{2}:00:00(\.0+)?(Z|\+00:00)$/,
      `${label}: event_hour ${a.event_hour} is not an RFC 3339 UTC hour`,
    );
    assert.equal(Date.parse(a.event_hour), e.event_hour_ms, `${label}: event_hour ${a.event_hour}`);
    assert.equal(Number(a.total_transactions), e.total_transactions, `${label}: total_transactions`);
    const amount = Number(e.total_amount);
    assert.ok(Math.abs(Number(a.total_amount) - amount) <= 1e-6, `${label}: total_amount ${a.total_amount}, expected ${amount}`);
    assert.equal(Number(a.late_transactions), e.late_transactions, `${label}: late_transactions`);
    const ratio = e.late_transactions / e.total_transactions;
    assert.ok(Math.abs(Number(a.late_ratio) - ratio) <= 1e-9, `${label}: late_ratio ${a.late_ratio}, expected ${ratio}`);
  });
}

/**
 * Hand-written lines appended to the generated file, for the boundaries the generator does not hit:
 * lateness of exactly 120 s (not late) and just over it, offsets that move an event to another UTC
 * hour (and day), an exponent amount, a re-delivery with an upper-case id and another amount (the
 * first one counts), and two more invalid lines.
 */
function edgeLines(): string[] {
  const user = '0f8fad5b-d9cb-469f-a165-70867728950e';
  const ev = (id: string, amount: string, eventTime: string, processingTime: string, extra = '') =>
    `{"transaction_id":"${id}","user_id":"${user}","amount":${amount},"currency":"EUR","status":"completed",` +
    `"event_time":"${eventTime}","processing_time":"${processingTime}"${extra}}`;
  return [
    ev('a0000000-0000-4000-8000-000000000001', '10.25', '2026-03-01T01:10:00Z', '2026-03-01T01:12:00Z'), // 120 s: on time
    ev('a0000000-0000-4000-8000-000000000002', '"7.5"', '2026-03-01T01:10:00Z', '2026-03-01T01:12:00.001Z'), // late
    ev('a0000000-0000-4000-8000-000000000003', '1e2', '2026-03-01T07:10:00+05:30', '2026-03-01T01:40:30Z'), // 01:40Z, on time
    ev('a0000000-0000-4000-8000-000000000004', '0.01', '2026-02-28T18:59:59.999-08:00', '2026-03-01T03:05:00Z'), // 02:59:59.999Z, late
    ev('A0000000-0000-4000-8000-000000000001', '999.99', '2026-03-01T01:10:00Z', '2026-03-01T01:10:01Z'), // duplicate of …0001
    ev('a0000000-0000-4000-8000-000000000005', '"-5.00"', '2026-03-01T01:20:00Z', '2026-03-01T01:20:01Z'), // invalid: negative
    ev('a0000000-0000-4000-8000-000000000006', '5', '2026-03-01T01:20:00Z', '2026-03-01T01:20:01Z').replace('"EUR"', '"eur"'), // invalid
  ];
}

// ---------------------------------------------------------------------------------------------
// Fixtures

const adminUrl = process.env.DATABASE_URL ?? '';
const searchUrl = (process.env.ELASTICSEARCH_URL || process.env.OPENSEARCH_URL || '').replace(/\/+$/, '');
const searchEnvName = process.env.ELASTICSEARCH_URL ? 'ELASTICSEARCH_URL' : 'OPENSEARCH_URL';
const suffix = randomBytes(5).toString('hex');
const dbName = `txpipe_airflow_${suffix}`;
const indexName = `txpipe_airflow_test_${suffix}`;
let dbUrl = '';
let work = '';
let airflowHome = '';
let dbCreated = false;

/** Search engine request with the outer credentials, if any. */
async function searchFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const user = process.env.OPENSEARCH_USERNAME || process.env.ELASTICSEARCH_USERNAME;
  const pass = process.env.OPENSEARCH_PASSWORD || process.env.ELASTICSEARCH_PASSWORD;
  if (process.env.ELASTICSEARCH_API_KEY) headers.set('authorization', `ApiKey ${process.env.ELASTICSEARCH_API_KEY}`);
  else if (user) headers.set('authorization', `Basic ${Buffer.from(`${user}:${pass ?? ''}`).toString('base64')}`);
  if (init.body) headers.set('content-type', 'application/json');
  return fetch(`${searchUrl}${path}`, { ...init, headers, signal: AbortSignal.timeout(30_000) });
}

/** txpipe's settings for the test database and index; the topic is the log table inside PostgreSQL. */
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
  const r = await run(process.execPath, [cliMain, ...args], txpipeEnv());
  assert.equal(r.code, 0, describe(`txpipe ${args.join(' ')}`, r));
  return r.stdout;
}

function airflowEnv(): NodeJS.ProcessEnv {
  return {
    ...txpipeEnv(),
    AIRFLOW_HOME: airflowHome,
    AIRFLOW__CORE__LOAD_EXAMPLES: 'False',
    AIRFLOW__CORE__DAGS_FOLDER: join(repoRoot, 'airflow', 'dags'),
    AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT: '120',
    TXPIPE_CMD: `${process.execPath} ${cliMain}`,
    TXPIPE_RETRIES: '0', // a failing task fails the test at once instead of after the backoff
    NO_COLOR: '1',
    PYTHONDONTWRITEBYTECODE: '1', // no __pycache__ in airflow/dags or test/airflow
  };
}

async function airflow(args: string[], timeoutMs = 300_000): Promise<Result> {
  return run(airflowBin, args, airflowEnv(), timeoutMs);
}

interface DagTestOutcome {
  runId: string;
  states: Map<string, string>;
}

/** Runs `airflow dags test` and checks its exit code, the run's state and every task's state. */
async function dagsTest(): Promise<DagTestOutcome> {
  const r = await airflow(['dags', 'test', DAG_ID, RUN_DATE], 600_000);
  const all = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.code, 0, describe('airflow dags test', r));
  // Task instance ids -> task ids, then the last state Airflow recorded for each task instance.
  const tiToTask = new Map<string, string>();
  for (const m of all.matchAll(/\[DAG TEST\] running task <TaskInstance: [\w.-]+?\.(\w+) \S+ \[[^\]]*\] ti_id=([0-9a-f-]{36})>/g)) {
    tiToTask.set(m[2]!, m[1]!);
  }
  const states = new Map<string, string>();
  for (const m of all.matchAll(/new_state=(\w+)[^\n]*?ti_id=([0-9a-f-]{36})/g)) {
    const task = tiToTask.get(m[2]!);
    if (task) states.set(task, m[1]!);
  }
  for (const t of TASK_IDS) assert.equal(states.get(t), 'success', `task ${t} state in the dags test output\n${describe('airflow dags test', r)}`);
  const finished = /DagRun Finished: dag_id=process_kafka_to_postgres, logical_date=[^,]+, run_id=([^,\s]+),.*?state=(\w+)/.exec(all);
  assert.ok(finished, `no "DagRun Finished" line\n${describe('airflow dags test', r)}`);
  assert.equal(finished[2], 'success', 'dag run state');
  const runId = finished[1]!;
  // The same states from the metadata database.
  const s = await airflow(['tasks', 'states-for-dag-run', DAG_ID, runId, '-o', 'json']);
  assert.equal(s.code, 0, describe('airflow tasks states-for-dag-run', s));
  const json = s.stdout.slice(s.stdout.indexOf('['));
  const rows = JSON.parse(json.slice(0, json.lastIndexOf(']') + 1)) as { task_id: string; state: string }[];
  assert.deepEqual(rows.map((x) => [x.task_id, x.state]).sort(), TASK_IDS.map((t) => [t, 'success']).sort(), 'task states in the metadata database');
  return { runId, states };
}

interface SearchDoc {
  id: string;
  source: MetricRow;
}

async function searchDocs(): Promise<SearchDoc[]> {
  const refresh = await searchFetch(`/${indexName}/_refresh`, { method: 'POST' });
  assert.ok(refresh.ok, `refresh ${indexName}: ${refresh.status} ${await refresh.text()}`);
  const res = await searchFetch(`/${indexName}/_search?size=10000&sort=event_hour:asc`);
  const body = (await res.json()) as { hits?: { hits: { _id: string; _source: MetricRow }[] } };
  assert.ok(res.ok, `search ${indexName}: ${res.status} ${JSON.stringify(body)}`);
  return (body.hits?.hits ?? []).map((h) => ({ id: h._id, source: h._source }));
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
  assert.ok(searchUrl, 'ELASTICSEARCH_URL (or OPENSEARCH_URL) is not set: run `eval "$(npm run -s services:up)"` or `npm run test:airflow`');
  assert.ok(existsSync(airflowBin), `no Airflow at ${airflowBin}: run scripts/airflow/setup.sh`);
  assert.ok(existsSync(cliMain), `no txpipe CLI at ${cliMain}`);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${dbName}`);
    dbCreated = true;
  } finally {
    await admin.end();
  }
  const u = new URL(adminUrl);
  u.pathname = `/${dbName}`;
  dbUrl = u.toString();
  work = await mkdtemp(join(tmpdir(), 'txpipe-airflow-'));
  airflowHome = join(work, 'airflow-home');
  const health = await searchFetch('/');
  assert.ok(health.ok, `search engine at ${searchUrl}: ${health.status}`);
});

after(async () => {
  if (searchUrl) await dropTestIndices().catch((e) => console.error(`could not delete test indices: ${String(e)}`));
  if (dbCreated) {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  }
  if (work && !process.env.TXPIPE_KEEP_TEST_DIR) await rm(work, { recursive: true, force: true });
});

test('Airflow runs process_kafka_to_postgres through the txpipe CLI; metrics and documents are right and reruns change nothing', {
  timeout: 1_200_000,
}, async (t) => {
  const file = join(work, 'f.ndjson');
  let expected: Expected;
  // The steps depend on each other: after a failure the later ones fail at once (never skip).
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

  await step('load: migrate, generate, produce, ingest', async () => {
    await txpipe(['migrate']);
    await txpipe([
      'generate',
      '--count',
      '2000',
      '--seed',
      '7',
      '--start',
      '2026-03-01T00:00:00Z',
      '--events-per-hour',
      '500', // about 4 hours of event time (plus late events before the start)
      '--invalid-ratio',
      '0.04',
      '--duplicate-ratio',
      '0.04',
      '--out',
      file,
    ]);
    await appendFile(file, `${edgeLines().join('\n')}\n`);
    expected = computeExpected(await readFile(file, 'utf8'));
    // The file must really exercise the exclusions and the time zone handling.
    assert.equal(expected.lines, 2000 + edgeLines().length);
    assert.ok(expected.invalid > 0, 'the generated file has invalid lines');
    assert.ok(expected.duplicates > 0, 'the generated file has duplicate lines');
    assert.ok(expected.withOffset > 0, 'the generated file has event times with offsets');
    assert.ok(expected.hours.length >= 4, `several event hours (${expected.hours.length})`);
    assert.ok(
      expected.hours.some((h) => h.late_transactions > 0),
      'some late transactions',
    );
    t.diagnostic(
      `expected: ${expected.valid} valid, ${expected.duplicates} duplicates, ${expected.invalid} invalid, ` +
        `${expected.withOffset} with offsets, ${expected.hours.length} hours, ` +
        `${expected.hours.reduce((n, h) => n + h.late_transactions, 0)} late`,
    );
    await txpipe(['produce', '--file', file]);
    await txpipe(['ingest', '--until-idle']);
  });

  await step('airflow db migrate; the DAG parses with its four tasks in order', async () => {
    const m = await airflow(['db', 'migrate']);
    assert.equal(m.code, 0, describe('airflow db migrate', m));
    const r = await airflow(['dags', 'reserialize']);
    assert.equal(r.code, 0, describe('airflow dags reserialize', r));
    const errors = await airflow(['dags', 'list-import-errors', '-o', 'json']);
    assert.equal(errors.code, 0, describe('airflow dags list-import-errors', errors));
    assert.doesNotMatch(errors.stdout, /process_kafka_to_postgres\.py/, `import errors:\n${errors.stdout}`);
    const tasks = await airflow(['tasks', 'list', DAG_ID]);
    assert.equal(tasks.code, 0, describe('airflow tasks list', tasks));
    for (const id of TASK_IDS) assert.match(tasks.stdout, new RegExp(`^${id}$`, 'm'));
  });

  await step('DAG settings: hourly interval timetable in UTC, schedule/catchup/retries from env, connections', async () => {
    const python = join(venv, 'bin', 'python');
    const r = await run(
      python,
      [join(import.meta.dirname, 'dag_settings_check.py'), join(repoRoot, 'airflow', 'dags', 'process_kafka_to_postgres.py')],
      airflowEnv(),
    );
    assert.equal(r.code, 0, describe('dag_settings_check.py', r));
    assert.match(r.stdout, /^ok$/m);
  });

  let first: DagTestOutcome;
  await step('airflow dags test: every task succeeds', async () => {
    first = await dagsTest();
  });

  await step('txpipe recorded the Airflow run with its hourly data interval', async () => {
    const c = new pg.Client({ connectionString: dbUrl });
    await c.connect();
    try {
      const runs = await c.query<{ run_type: string; state: string; logical_date: Date; data_interval_end: Date }>(
        'SELECT run_type, state, logical_date, data_interval_end FROM dag_runs WHERE run_id = $1',
        [first.runId],
      );
      assert.equal(runs.rowCount, 1, `dag_runs has Airflow's run ${first.runId}`);
      const run = runs.rows[0]!;
      assert.equal(run.state, 'success');
      assert.equal(run.run_type, 'airflow');
      assert.equal(run.logical_date.toISOString(), '2026-03-01T04:00:00.000Z', 'logical date = data_interval_start');
      assert.equal(run.data_interval_end.toISOString(), '2026-03-01T05:00:00.000Z', 'data interval spans one hour');
      const tasks = await c.query<{ task_id: string; state: string }>('SELECT task_id, state FROM task_runs WHERE run_id = $1 ORDER BY started_at', [
        first.runId,
      ]);
      assert.deepEqual(
        tasks.rows.map((r) => [r.task_id, r.state]),
        TASK_IDS.map((id) => [id, 'success']),
      );
    } finally {
      await c.end();
    }
  });

  let firstDocs: SearchDoc[] = [];
  await step('hourly metrics equal the independent computation', async () => {
    const metrics = JSON.parse(await txpipe(['metrics', 'hourly', '--format', 'json'])) as MetricRow[];
    assertMetricsEqual(metrics, expected.hours, 'txpipe metrics hourly');
  });

  await step('the search index holds the same metrics, _id = event_hour', async () => {
    firstDocs = await searchDocs();
    assertMetricsEqual(
      firstDocs.map((d) => d.source),
      expected.hours,
      `documents under ${indexName}`,
    );
    for (const d of firstDocs) assert.equal(d.id, d.source.event_hour, '_id is the event hour');
  });

  await step('a second airflow dags test for the same date changes nothing', async () => {
    const second = await dagsTest();
    assert.notEqual(second.runId, first.runId);
    const metrics = JSON.parse(await txpipe(['metrics', 'hourly', '--format', 'json'])) as MetricRow[];
    assertMetricsEqual(metrics, expected.hours, 'txpipe metrics hourly after the rerun');
    const docs = await searchDocs();
    assert.equal(docs.length, firstDocs.length, 'document count');
    assert.deepEqual(docs, firstDocs, 'documents unchanged');
  });
});
