/**
 * The whole pipeline through the real CLI: produce → ingest → DAG → `metrics hourly`, compared with an
 * independent computation, twice over, and under another TZ. Runs on PGlite or on real PostgreSQL
 * (TXPIPE_TEST_WAREHOUSE).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cli } from '../support/cli.ts';
import { freshTarget, type Target } from '../support/target.ts';
import { edgeCaseMessages, generated, writeNdjson } from '../support/events.ts';
import { expectedMetrics } from '../support/expected.ts';
import { assertMatches, type MetricsJson } from '../support/assert-metrics.ts';

async function status(t: Target, env = t.env) {
  return JSON.parse(await cli(['status', '--format', 'json'], env)) as {
    raw_transactions: number;
    clean_transactions: number;
    dead_letters: number;
    duplicates: number;
    consumer: { lag: number };
    last_dag_run: { state: string } | null;
  };
}

async function pipelineTwice(extraEnv: Record<string, string>) {
  const target = await freshTarget();
  const env = { ...target.env, ...extraEnv };
  try {
    const messages = [...edgeCaseMessages(), ...generated(3000, 11)];
    const file = join(env.TXPIPE_DATA_DIR!, '..', 'events.ndjson');
    await writeNdjson(file, messages);
    const expected = expectedMetrics(messages, BigInt(Date.now()) * 1000n);

    await cli(['produce', '--file', file], env);
    await cli(['ingest', '--until-idle', '--batch-size', '700'], env);
    await cli(['dag', 'run', 'process_kafka_to_postgres', '--logical-date', '2026-03-01T10:00:00Z'], env);
    const first = await cli(['metrics', 'hourly', '--format', 'json'], env);
    assertMatches(first, expected);

    const s1 = await status(target, env);
    assert.equal(s1.raw_transactions, expected.valid);
    assert.equal(s1.clean_transactions, expected.valid);
    assert.equal(s1.dead_letters, expected.invalid);
    assert.equal(s1.duplicates, expected.duplicates);
    assert.equal(s1.consumer.lag, 0);
    assert.equal(s1.last_dag_run?.state, 'success');
    const r1 = JSON.parse(await cli(['reconcile', '--format', 'json'], env)) as { consumed: number; accounted: number; balanced: boolean };
    assert.deepEqual([r1.consumed, r1.accounted, r1.balanced], [messages.length, messages.length, true]);

    // Twice over: the same messages again, and the same logical date again, change no metric.
    await cli(['produce', '--file', file], env);
    await cli(['ingest', '--until-idle'], env);
    await cli(['dag', 'run', 'process_kafka_to_postgres', '--logical-date', '2026-03-01T10:00:00Z'], env);
    await cli(['dag', 'run', 'process_kafka_to_postgres', '--logical-date', '2026-03-01T10:00:00Z'], env);
    const second = await cli(['metrics', 'hourly', '--format', 'json'], env);
    assert.equal(second, first);
    const s2 = await status(target, env);
    assert.equal(s2.raw_transactions, expected.valid);
    assert.equal(s2.duplicates, expected.duplicates + expected.valid + expected.duplicates);
    assert.equal(s2.dead_letters, 2 * expected.invalid);
    assert.match(await cli(['reconcile'], env), new RegExp(`^balanced: ${2 * messages.length} records consumed`));
    return first;
  } finally {
    await target.cleanup();
  }
}

test('produce → ingest → DAG → metrics equals an independent computation, and reruns change nothing', async () => {
  const utc = await pipelineTwice({ TZ: 'UTC' });
  const kolkata = await pipelineTwice({ TZ: 'Asia/Kolkata' });
  assert.equal(kolkata, utc, 'the process time zone changed a result');
});

test('metrics hourly filters by [--from, --to) and prints csv and table', async () => {
  const target = await freshTarget();
  try {
    const file = join(target.env.TXPIPE_DATA_DIR!, '..', 'e.ndjson');
    await writeNdjson(file, edgeCaseMessages());
    await cli(['produce', '--file', file], target.env);
    await cli(['ingest', '--until-idle'], target.env);
    await cli(['dag', 'run', 'process_kafka_to_postgres'], target.env);
    const json = JSON.parse(
      await cli(['metrics', 'hourly', '--format', 'json', '--from', '2026-03-01T10:00:00Z', '--to', '2026-03-01T11:00:00Z'], target.env),
    ) as MetricsJson[];
    assert.deepEqual(
      json.map((r) => r.event_hour),
      ['2026-03-01T10:00:00.000Z'],
    );
    const csv = (await cli(['metrics', 'hourly', '--format', 'csv'], target.env)).trim().split('\n');
    assert.equal(csv[0], 'event_hour,total_transactions,total_amount,late_transactions,late_ratio');
    assert.equal(csv[1], '2026-02-28T23:00:00.000Z,1,8.8,0,0');
    assert.equal(csv.length, 1 + 4);
    const tableText = await cli(['metrics', 'hourly'], target.env);
    assert.match(tableText, /^event_hour\s+total_transactions\s+total_amount\s+late_transactions\s+late_ratio$/m);
    assert.match(tableText, /2026-03-01T09:00:00Z\s+1\s+5\.55\s+1\s+1\.0000/);
  } finally {
    await target.cleanup();
  }
});
