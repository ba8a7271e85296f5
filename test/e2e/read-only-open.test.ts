/**
 * The read-only commands never create or migrate: pointed at nothing they say so (exit 2); a server
 * that does not answer is named after a few tries (exit 1); `status` still prints what the warehouse
 * knows when the broker is down.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cli, runCli } from '../support/cli.ts';
import { freshTarget, publicTables } from '../support/target.ts';
import { ingestInto } from '../support/ingest.ts';
import { generated } from '../support/events.ts';
import { closedPort } from '../support/search-server.ts';

const READ_ONLY: string[][] = [
  ['status'],
  ['status', '--format', 'json'],
  ['metrics', 'hourly', '--format', 'json'],
  ['dag', 'runs'],
  ['dead-letters', 'list'],
  ['reconcile'],
];

test('read-only commands on a missing data directory or an empty database: one line, exit 2, nothing created', async () => {
  const t = await freshTarget();
  try {
    const where = t.kind === 'pglite' ? t.env.TXPIPE_DATA_DIR! : `database ${new URL(t.env.DATABASE_URL!).pathname.slice(1)} on 127.0.0.1:`;
    // At once: none of them may take the data directory (there is none).
    const results = await Promise.all(READ_ONLY.map((args) => runCli(args, t.env)));
    for (const [i, r] of results.entries()) {
      const args = READ_ONLY[i]!.join(' ');
      assert.equal(r.code, 2, `${args}: exit ${r.code}\n${r.stderr}`);
      assert.equal(r.stdout, '', args);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `${args}: ${r.stderr}`);
      assert.ok(lines[0]!.startsWith(`txpipe: no txpipe data at ${where}`), `${args}: ${lines[0]}`);
      assert.match(lines[0]!, /; run `txpipe ingest` or `txpipe migrate` first$/);
    }
    if (t.kind === 'pglite') assert.equal(existsSync(t.env.TXPIPE_DATA_DIR!), false, 'a read-only command created the data directory');
    else assert.equal(await publicTables(t), 0, 'a read-only command migrated the database');
    // Once migrated they answer, with zeros.
    await cli(['migrate'], t.env);
    const status = JSON.parse(await cli(['status', '--format', 'json'], t.env)) as { raw_transactions: number; consumer: { lag: number | null } };
    assert.equal(status.raw_transactions, 0);
    assert.equal(status.consumer.lag, 0);
  } finally {
    await t.cleanup();
  }
});

test('an unreachable PostgreSQL is named after a few tries, without its password', async () => {
  const t = await freshTarget();
  try {
    const started = Date.now();
    const r = await runCli(['status'], { ...t.env, DATABASE_URL: 'postgres://txpipe:hunter2@127.0.0.1:1/x' });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(
      lines[0]!,
      /^txpipe: DATABASE_URL: cannot reach PostgreSQL at 127\.0\.0\.1:1 \(connect ECONNREFUSED 127\.0\.0\.1:1; 5 tries in \d+\.\d s\)$/,
    );
    assert.doesNotMatch(r.stderr, /hunter2/);
    const [, seconds] = /tries in (\d+\.\d) s/.exec(lines[0]!)!;
    assert.ok(Number(seconds) >= 2.5 && Number(seconds) < 10, `tried for ${seconds} s`);
    assert.ok(Date.now() - started < 60_000);
  } finally {
    await t.cleanup();
  }
});

test('status with the broker down prints what the warehouse knows and the lag as unknown', async () => {
  const t = await freshTarget();
  try {
    await cli(['migrate'], t.env);
    const env = { ...t.env, KAFKA_BROKERS: '127.0.0.1:1' };
    const json = await runCli(['status', '--format', 'json'], env);
    const text = await runCli(['status'], env); // one at a time: one process per embedded data directory
    assert.equal(json.code, 0, json.stderr);
    const s = JSON.parse(json.stdout) as {
      raw_transactions: number;
      topic: { kind: string };
      consumer: { lag: number | null; partitions: unknown[]; note: string };
    };
    assert.equal(s.raw_transactions, 0);
    assert.equal(s.topic.kind, 'kafka');
    assert.equal(s.consumer.lag, null);
    assert.deepEqual(s.consumer.partitions, []);
    assert.match(s.consumer.note, /^lag unknown: KAFKA_BROKERS: cannot reach Kafka at 127\.0\.0\.1:1 \(/);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^consumer +group txpipe-ingest, lag unknown \(KAFKA_BROKERS: cannot reach Kafka at 127\.0\.0\.1:1 /m);
    assert.match(text.stdout, /^raw_transactions +0$/m);
  } finally {
    await t.cleanup();
  }
});

test('an unreachable Elasticsearch is named by the index task and reconcile, with its setting and URL, never its password', async () => {
  const t = await freshTarget({ TXPIPE_TASK_RETRIES: '1', TXPIPE_RETRY_DELAY_MS: '0' });
  try {
    await ingestInto(t, generated(30, 7));
    const port = await closedPort();
    const r = await runCli(['dag', 'run', 'process_kafka_to_postgres'], { ...t.env, ELASTICSEARCH_URL: `http://elastic:hunter2@127.0.0.1:${port}` });
    assert.equal(r.code, 1, r.stderr);
    const runs = JSON.parse(await cli(['dag', 'runs', '--format', 'json'], t.env)) as { state: string; error: string }[];
    assert.equal(runs[0]!.state, 'failed');
    assert.equal(
      runs[0]!.error,
      `index_hourly_metrics_to_elasticsearch: ELASTICSEARCH_URL: cannot reach Elasticsearch at http://elastic:***@127.0.0.1:${port} ` +
        `(index hourly_metrics): connect ECONNREFUSED 127.0.0.1:${port}`,
    );
    assert.doesNotMatch(r.stdout + r.stderr, /hunter2/);
    // reconcile, which reads the documents back, names it the same way.
    const rec = await runCli(['reconcile'], { ...t.env, ELASTICSEARCH_URL: `http://elastic:hunter2@127.0.0.1:${port}` });
    assert.equal(rec.code, 1);
    assert.equal(
      rec.stderr.trim(),
      `txpipe: ELASTICSEARCH_URL: cannot read the documents from Elasticsearch at http://elastic:***@127.0.0.1:${port} ` +
        `(index hourly_metrics): connect ECONNREFUSED 127.0.0.1:${port}`,
    );
  } finally {
    await t.cleanup();
  }
});
