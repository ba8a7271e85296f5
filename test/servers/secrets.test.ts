/**
 * No secret in any output: a whole pipeline on servers that really need the credentials, with every
 * secret configured, TXPIPE_LOG_LEVEL=debug for every command, and every byte of stdout, stderr and
 * HTTP answers searched for each secret (raw, percent-encoded, base64 of a Basic pair).
 *
 * - PostgreSQL of the test's own: a password (scram-sha-256) with URL-special characters, over TLS
 *   (ssl=on, sslmode=verify-full with the test CA);
 * - Kafka of the test's own: a SASL_SSL listener with SCRAM-SHA-256 (the user created at format time),
 *   KAFKA_SSL_CA_FILE;
 * - Elasticsearch behind an https proxy (support/auth-proxy.ts) that refuses any request without
 *   `Authorization: ApiKey <key>`, SEARCH_TLS_CA_FILE; its hostile 401 echoes the header it got, so a
 *   failing index task's stored error holds the key unless it is masked;
 * - TXPIPE_HTTP_TOKEN for serve, TXPIPE_ALERT_WEBHOOK_URL with its token in the path.
 * The results are checked too: counts equal the input, the index holds every hour.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { runCli, type CliResult } from '../support/cli.ts';
import { PrivateKafka, PrivatePostgres } from '../support/private-servers.ts';
import { createTestCa, type TestCa } from '../support/test-ca.ts';
import { testName } from '../support/target.ts';
import { generated, writeNdjson, edgeCaseMessages } from '../support/events.ts';
import { expectedMetrics } from '../support/expected.ts';
import { assertMatches, assertStatusAccounts } from '../support/assert-metrics.ts';
import { dropIndex, engineUrl, readDocuments } from '../support/search-server.ts';
import { serve, get } from '../support/serve.ts';
import { webhookReceiver, type Receiver } from '../support/webhook-receiver.ts';
import { authProxy, type AuthProxy } from '../support/auth-proxy.ts';

const PG_PASSWORD = 'pg/Pw:s3cr@t!#x';
const KAFKA_USER = 'txpipe-app';
const KAFKA_PASSWORD = 'kafka-SCRAM-s3cret-77';
const ES_API_KEY = 'ZXNrZXlpZDplc2tleXNlY3JldDk5';
const WRONG_API_KEY = 'V1JPTkdrZXk6bm90LXRoaXMtb25l';
const HTTP_TOKEN = 'http-b3arer-t0ken-55';
const WEBHOOK_TOKEN = 'hookT0kenSecret42';

const SECRETS = [PG_PASSWORD, KAFKA_PASSWORD, ES_API_KEY, WRONG_API_KEY, HTTP_TOKEN, WEBHOOK_TOKEN];
/** Every form in which a secret could leak. */
const FORMS = [
  ...SECRETS.flatMap((s) => [s, encodeURIComponent(s)]),
  Buffer.from(`postgres:${PG_PASSWORD}`).toString('base64'),
  Buffer.from(`${KAFKA_USER}:${KAFKA_PASSWORD}`).toString('base64'),
  Buffer.from(`:${HTTP_TOKEN}`).toString('base64'),
];

/** Everything any process or server said to the outside. */
const transcript: Array<{ what: string; text: string }> = [];

function record(what: string, text: string): void {
  transcript.push({ what, text });
}

function assertNoSecret(): void {
  for (const { what, text } of transcript) {
    for (const form of FORMS) {
      const at = text.indexOf(form);
      assert.equal(at, -1, `${what} holds a secret (${form.slice(0, 3)}…): …${text.slice(Math.max(0, at - 80), at + 80)}…`);
    }
  }
}

let ca: TestCa;
let postgres: PrivatePostgres;
let kafka: PrivateKafka;
let proxy: AuthProxy;
let hooks: Receiver;
let dir: string;

before(async () => {
  ca = createTestCa();
  dir = mkdtempSync(join(tmpdir(), 'txpipe-test-secrets-'));
  [postgres, kafka] = await Promise.all([
    PrivatePostgres.start({ password: PG_PASSWORD, tls: { certFile: ca.certFile, keyFile: ca.keyFile } }),
    PrivateKafka.start({ scram: { username: KAFKA_USER, password: KAFKA_PASSWORD }, tls: { certFile: ca.certFile, keyFile: ca.keyFile } }),
  ]);
  proxy = await authProxy(engineUrl('elasticsearch'), `ApiKey ${ES_API_KEY}`, { certFile: ca.certFile, keyFile: ca.keyFile });
  hooks = await webhookReceiver(() => 200);
});

after(async () => {
  postgres?.stop();
  await kafka?.stop();
  await proxy?.close();
  await hooks?.close();
  ca?.remove();
  rmSync(dir, { recursive: true, force: true });
});

async function run(args: string[], env: Record<string, string>, input?: string): Promise<CliResult> {
  const r = await runCli(args, env, input);
  record(`txpipe ${args.join(' ')} stdout`, r.stdout);
  record(`txpipe ${args.join(' ')} stderr`, r.stderr);
  return r;
}

async function ok(args: string[], env: Record<string, string>, input?: string): Promise<string> {
  const r = await run(args, env, input);
  assert.equal(r.code, 0, `txpipe ${args.join(' ')} exited ${r.code}:\n${r.stderr}`);
  return r.stdout;
}

test('a whole pipeline with every secret configured prints none of them, anywhere, and computes the right results', async () => {
  const index = testName('txpipe_idx');
  const dbUrl = (await postgres.createDatabase(testName())).replace(/$/, `?sslmode=verify-full&sslrootcert=${encodeURIComponent(ca.caFile)}`);
  assert.ok(dbUrl.includes(encodeURIComponent(PG_PASSWORD)), 'the password travels in DATABASE_URL');
  const env: Record<string, string> = {
    DATABASE_URL: dbUrl,
    KAFKA_BROKERS: kafka.saslBrokers!,
    KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256',
    KAFKA_SASL_USERNAME: KAFKA_USER,
    KAFKA_SASL_PASSWORD: KAFKA_PASSWORD,
    KAFKA_SSL_CA_FILE: ca.caFile,
    TXPIPE_TOPIC: testName('txpipe_topic'),
    TXPIPE_CONSUMER_GROUP: testName('txpipe_group'),
    TXPIPE_TOPIC_PARTITIONS: '2',
    ELASTICSEARCH_URL: proxy.url,
    ELASTICSEARCH_API_KEY: ES_API_KEY,
    SEARCH_TLS_CA_FILE: ca.caFile,
    TXPIPE_INDEX: index,
    TXPIPE_HTTP_TOKEN: HTTP_TOKEN,
    TXPIPE_ALERT_WEBHOOK_URL: `${hooks.base}/hooks/${WEBHOOK_TOKEN}`,
    TXPIPE_TASK_RETRIES: '0',
    TXPIPE_RETRY_DELAY_MS: '50',
    TXPIPE_LOG_LEVEL: 'debug',
    TXPIPE_LOG_FORMAT: 'json',
    TXPIPE_DATA_DIR: join(dir, 'data'),
  };
  try {
    const messages = [...edgeCaseMessages(), ...generated(2000, 61)];
    const file = join(dir, 'events.ndjson');
    await writeNdjson(file, messages);
    const expected = expectedMetrics(messages, BigInt(Date.now()) * 1000n);

    await ok(['produce', '--file', file], env);
    await ok(['ingest', '--until-idle'], env);

    // A run whose index task meets the wrong key, configured (so a secret too): the server's answer
    // repeats it, the task fails, and its error is stored and shown — masked.
    const failed = await run(['dag', 'run', 'process_kafka_to_postgres', '--logical-date', '2026-03-01T09:00:00Z'], {
      ...env,
      ELASTICSEARCH_API_KEY: WRONG_API_KEY,
    });
    assert.notEqual(failed.code, 0, 'the index task failed on the wrong key');
    assert.ok(proxy.refused > 0);
    assert.match(failed.stdout + failed.stderr, /401|security_exception|unable to authenticate/);

    const authorizedBefore = proxy.authorized;
    await ok(['dag', 'run', 'process_kafka_to_postgres', '--logical-date', '2026-03-01T10:00:00Z'], env);
    assert.ok(proxy.authorized > authorizedBefore, 'txpipe sent the API key');

    assertStatusAccounts(await ok(['status', '--format', 'json'], env), expected);
    await ok(['status'], { ...env, TXPIPE_LOG_FORMAT: 'pretty' });
    const runsText = await ok(['dag', 'runs'], env);
    assert.match(runsText, /failed/);
    const runs = JSON.parse(await ok(['dag', 'runs', '--format', 'json'], env)) as Array<{ state: string; error: string | null }>;
    assert.deepEqual(
      runs.map((r) => r.state),
      ['success', 'failed'],
    );
    assert.match(runs[1]!.error ?? '', /\*\*\*/, 'the stored error kept its shape, the key masked');
    assertMatches(await ok(['metrics', 'hourly', '--format', 'json'], env), expected);
    const reconcile = JSON.parse(await ok(['reconcile', '--format', 'json'], env)) as { consumed: number; accounted: number; balanced: boolean };
    assert.deepEqual([reconcile.consumed, reconcile.accounted, reconcile.balanced], [messages.length, messages.length, true]);
    assert.equal((await readDocuments('elasticsearch', index)).length, expected.hours.length);

    // The rows themselves hold no secret: masked before they were written.
    const db = new pg.Client({ connectionString: dbUrl.replace(/\?.*$/, ''), ssl: false });
    await db.connect();
    try {
      const stored = await db.query<{ text: string }>(
        `SELECT coalesce(error, '') AS text FROM dag_runs UNION ALL SELECT coalesce(error, '') FROM task_runs`,
      );
      record('dag_runs and task rows', stored.rows.map((r) => r.text).join('\n'));
      assert.ok(stored.rows.some((r) => r.text.includes('***')));
    } finally {
      await db.end();
    }

    // The API, with the token, and without it.
    const served = await serve(env);
    try {
      const auth = { authorization: `Bearer ${HTTP_TOKEN}` };
      for (const path of [
        'api/status',
        'api/runs',
        'api/hourly-metrics',
        'api/hourly-latency',
        'api/alerts',
        'api/dead-letters',
        'api/ingest',
        'api/openapi.json',
        'metrics',
        'readyz',
        'healthz',
        'api/nope',
      ]) {
        const answer = await get(`${served.url}${path}`, auth);
        record(`GET /${path}`, JSON.stringify([...answer.headers]) + answer.text);
        if (path !== 'api/nope') assert.equal(answer.status, 200, `/${path}: ${answer.text.slice(0, 200)}`);
      }
      const runsApi = (await get(`${served.url}api/runs`, auth)).json<Array<{ state: string }>>();
      assert.equal(runsApi.length, 2);
      const refused = await get(`${served.url}api/status`);
      record('GET /api/status without the token', JSON.stringify([...refused.headers]) + refused.text);
      assert.equal(refused.status, 401);
      const wrong = await get(`${served.url}api/status`, { authorization: 'Bearer not-the-token' });
      record('GET /api/status with a wrong token', wrong.text);
      assert.equal(wrong.status, 401);
    } finally {
      await served.stop();
      const { stdout, stderr } = served.output();
      record('serve stdout', stdout);
      record('serve stderr', stderr);
    }

    // Failures that carry a secret in their input.
    const unreachable = await run(['status'], {
      ...env,
      DATABASE_URL: `postgres://postgres:${encodeURIComponent(PG_PASSWORD)}@127.0.0.1:1/x?sslmode=disable`,
    });
    assert.equal(unreachable.code, 1);
    const mysql = await run(['status'], { ...env, DATABASE_URL: `mysql://u:${encodeURIComponent(PG_PASSWORD)}@host/x` });
    assert.equal(mysql.code, 2);
    assert.match(mysql.stderr, /DATABASE_URL: must start with postgres:\/\/ or postgresql:\/\/ \(got "mysql:\/\/u:\*\*\*@host\/x"\)/);
    const badSasl = await run(['produce', '--file', '-'], { ...env, KAFKA_SASL_PASSWORD: `${KAFKA_PASSWORD}-typo` }, '{"a":1}\n');
    assert.notEqual(badSasl.code, 0, 'a wrong SASL password is refused by the broker');
    const badFlag = await run(['dashboards', 'import', '--kibana-url', `http://admin:${encodeURIComponent(HTTP_TOKEN)}@127.0.0.1:1`], env);
    assert.notEqual(badFlag.code, 0);

    // Alerts went out (the events are months old: freshness), to the webhook with its token.
    assert.ok(hooks.received.length > 0, 'the webhook got the alerts');
    assert.ok(hooks.received.every((r) => r.url === `/hooks/${WEBHOOK_TOKEN}`));

    assert.ok(transcript.length > 40, `${transcript.length} outputs searched`);
    assert.ok(
      transcript.some((t) => t.text.includes('"level":"debug"')),
      'debug lines were written, and searched',
    );
    assertNoSecret();
  } finally {
    await dropIndex('elasticsearch', index).catch(() => {});
  }
});
