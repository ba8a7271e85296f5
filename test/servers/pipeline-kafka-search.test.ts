/**
 * The seed's own servers: Kafka → PostgreSQL → DAG → OpenSearch, through the real CLI. Needs
 * DATABASE_URL, KAFKA_BROKERS and OPENSEARCH_URL (npm run services:up); a missing server fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Admin, Producer, stringSerializers } from '@platformatic/kafka';
import { KafkaEventLog } from '../../src/log/kafka/kafka-log.ts';
import { join } from 'node:path';
import { cli, killIngestAfterCommits, runCli, spawnCli } from '../support/cli.ts';
import { freshTarget, testName, type Target } from '../support/target.ts';
import { edgeCaseMessages, generated, writeNdjson } from '../support/events.ts';
import { expectedMetrics } from '../support/expected.ts';
import { assertMatches, type MetricsJson } from '../support/assert-metrics.ts';
import type { RecordedRun } from '../../src/index.ts';

/** What the newest run's index task recorded (`dag runs --format json`). */
async function lastIndexSummary(t: Target) {
  const [run] = JSON.parse(await cli(['dag', 'runs', '--format', 'json', '--limit', '1'], t.env)) as RecordedRun[];
  const task = run?.tasks.find((x) => x.task_id === 'index_hourly_metrics_to_elasticsearch');
  return [task?.state, task?.summary];
}

function servers(): { kafka: string; opensearch: string } {
  const kafka = process.env.KAFKA_BROKERS;
  const opensearch = process.env.OPENSEARCH_URL;
  if (!kafka || !opensearch) {
    throw new Error('KAFKA_BROKERS and OPENSEARCH_URL must be set: eval "$(npm run -s services:up)"');
  }
  return { kafka, opensearch };
}

async function target(partitions: number): Promise<{ t: Target; index: string; opensearch: string }> {
  const s = servers();
  const index = testName('txpipe_idx');
  const t = await freshTarget(
    {
      KAFKA_BROKERS: s.kafka,
      TXPIPE_TOPIC: testName('txpipe_topic'),
      TXPIPE_CONSUMER_GROUP: testName('txpipe_group'),
      TXPIPE_TOPIC_PARTITIONS: String(partitions),
      // A killed consumer's partitions move after this (the broker's minimum), not after the 30 s default.
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      OPENSEARCH_URL: s.opensearch,
      TXPIPE_INDEX: index,
    },
    'postgres',
  );
  return { t, index, opensearch: s.opensearch };
}

interface Hit {
  _id: string;
  _index: string;
  _version: number;
  _source: MetricsJson;
}

async function readIndex(opensearch: string, index: string): Promise<Hit[]> {
  const res = await fetch(`${opensearch}/${index}/_search?size=10000&sort=event_hour:asc&version=true`);
  assert.equal(res.status, 200, await res.clone().text());
  return ((await res.json()) as { hits: { hits: Hit[] } }).hits.hits;
}

async function dropIndex(opensearch: string, index: string): Promise<void> {
  await fetch(`${opensearch}/${index}-*`, { method: 'DELETE' });
  await fetch(`${opensearch}/_index_template/${index}`, { method: 'DELETE' });
}

async function deleteTopic(t: Target): Promise<void> {
  const admin = new Admin({ clientId: 'txpipe-test-admin', bootstrapBrokers: t.config.kafka!.brokers });
  try {
    await admin.deleteTopics({ topics: [t.config.topic] }).catch(() => {});
  } finally {
    await admin.close();
  }
}

test('Kafka → PostgreSQL → DAG → OpenSearch equals an independent computation; a second run leaves the index unchanged', async () => {
  const { t, index, opensearch } = await target(1);
  try {
    const messages = [...edgeCaseMessages(), ...generated(3000, 31)];
    const file = join(t.env.TXPIPE_DATA_DIR!, '..', 'events.ndjson');
    await writeNdjson(file, messages);
    const expected = expectedMetrics(messages, BigInt(Date.now()) * 1000n);

    await cli(['produce', '--file', file], t.env);
    await cli(['ingest', '--until-idle'], t.env);
    await cli(['dag', 'run', 'process_kafka_to_postgres', '--logical-date', '2026-03-01T10:00:00Z'], t.env);
    assert.deepEqual(await lastIndexSummary(t), ['success', { indexed: expected.hours.length }]);
    const metricsText = await cli(['metrics', 'hourly', '--format', 'json'], t.env);
    assertMatches(metricsText, expected);

    const status = JSON.parse(await cli(['status', '--format', 'json'], t.env)) as {
      raw_transactions: number;
      dead_letters: number;
      duplicates: number;
      consumer: { lag: number };
    };
    assert.deepEqual(
      [status.raw_transactions, status.dead_letters, status.duplicates, status.consumer.lag],
      [expected.valid, expected.invalid, expected.duplicates, 0],
    );

    // The documents read back equal hourly_metrics: _id = event_hour, the five fields, nothing else.
    const metrics = JSON.parse(metricsText) as MetricsJson[];
    const hits = await readIndex(opensearch, index);
    assert.deepEqual(
      hits.map((h) => h._id),
      metrics.map((m) => m.event_hour),
    );
    assert.deepEqual(
      hits.map((h) => h._source),
      metrics,
    );
    assert.ok(hits.every((h) => h._index === `${index}-${h._id.slice(0, 4)}.${h._id.slice(5, 7)}`));

    // Rerun (same logical date) and full refresh: same documents, no new one.
    await cli(['dag', 'run', 'process_kafka_to_postgres', '--logical-date', '2026-03-01T10:00:00Z'], t.env);
    const afterRerun = await readIndex(opensearch, index);
    assert.deepEqual(afterRerun, hits, 'a rerun rewrote or added documents');
    await cli(['dag', 'run', 'process_kafka_to_postgres', '--full-refresh'], t.env);
    const afterFull = await readIndex(opensearch, index);
    assert.deepEqual(
      afterFull.map((h) => [h._id, h._source]),
      hits.map((h) => [h._id, h._source]),
    );

    // A late event re-sends its one hour, overwriting its document.
    const late = JSON.stringify({
      transaction_id: '99999999-2222-4333-8444-555555555555',
      user_id: '99999999-2222-4333-8444-000000000000',
      amount: '50',
      currency: 'USD',
      status: 'completed',
      event_time: '2026-03-01T09:10:00Z',
      processing_time: '2026-03-01T12:00:00Z',
    });
    await cli(['produce', '--file', '-'], t.env, `${late}\n`);
    await cli(['ingest', '--until-idle'], t.env);
    await cli(['dag', 'run', 'process_kafka_to_postgres'], t.env);
    assert.deepEqual(await lastIndexSummary(t), ['success', { indexed: 1 }]);
    const afterLate = await readIndex(opensearch, index);
    assert.equal(afterLate.length, hits.length);
    const nine = afterLate.find((h) => h._id === '2026-03-01T09:00:00Z')!;
    const nineBefore = hits.find((h) => h._id === '2026-03-01T09:00:00Z')!;
    assert.equal(nine._source.total_transactions, nineBefore._source.total_transactions + 1);
    assert.equal(nine._source.late_transactions, nineBefore._source.late_transactions + 1);
  } finally {
    await dropIndex(opensearch, index);
    await deleteTopic(t);
    await t.cleanup();
  }
});

test('a Kafka consumer killed mid-stream and restarted loses and doubles nothing', async () => {
  const { t, index, opensearch } = await target(3);
  try {
    const messages = generated(60_000, 41, '2026-09-01T00:00:00Z', 10_000);
    const file = join(t.env.TXPIPE_DATA_DIR!, '..', 'many.ndjson');
    await writeNdjson(file, messages);
    await cli(['produce', '--file', file], t.env);

    const closed = killIngestAfterCommits(['--follow', '--batch-size', '1000'], t.env, 8);
    assert.equal(await closed, 'SIGKILL');
    const partial = JSON.parse(await cli(['status', '--format', 'json'], t.env)) as { raw_transactions: number; consumer: { lag: number } };
    assert.ok(partial.raw_transactions > 0 && partial.consumer.lag > 0, JSON.stringify(partial));

    await cli(['ingest', '--until-idle'], t.env);
    await cli(['dag', 'run', 'process_kafka_to_postgres'], t.env);
    const expected = expectedMetrics(messages, 0n);
    const s = JSON.parse(await cli(['status', '--format', 'json'], t.env)) as {
      raw_transactions: number;
      dead_letters: number;
      duplicates: number;
      consumer: { lag: number };
    };
    assert.deepEqual([s.raw_transactions, s.duplicates, s.dead_letters, s.consumer.lag], [expected.valid, expected.duplicates, expected.invalid, 0]);
    assertMatches(await cli(['metrics', 'hourly', '--format', 'json'], t.env), expected);
    assert.equal((await readIndex(opensearch, index)).length, expected.hours.length);
    const r = JSON.parse(await cli(['reconcile', '--format', 'json'], t.env)) as {
      consumed: number;
      accounted: number;
      balanced: boolean;
      complete: boolean;
    };
    assert.deepEqual([r.consumed, r.accounted, r.balanced, r.complete], [messages.length, messages.length, true, true]);
  } finally {
    await dropIndex(opensearch, index);
    await deleteTopic(t);
    await t.cleanup();
  }
});

test('two ingest processes in one group share the partitions, stop cleanly on SIGTERM, and apply every event once', async () => {
  const { t, index, opensearch } = await target(4);
  try {
    const messages = generated(40_000, 51, '2026-10-01T00:00:00Z', 10_000);
    const file = join(t.env.TXPIPE_DATA_DIR!, '..', 'shared.ndjson');
    await writeNdjson(file, messages);
    await cli(['produce', '--file', file], t.env);

    const start = () => {
      const child = spawnCli(['ingest', '--follow', '--batch-size', '1000'], { ...t.env, TXPIPE_LOG_LEVEL: 'info' });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      return { child, exited, log: () => err };
    };
    const a = start();
    const b = start();
    const expected = expectedMetrics(messages, 0n);
    // Each process owns some partitions at some point (the second one's join rebalances the group),
    // and together they apply everything once.
    const owned = (log: string) => [...log.matchAll(/assigned partitions \[([\d,]*)\]/g)].map((m) => m[1]).filter((p) => p !== '');
    let s = { raw_transactions: 0, consumer: { lag: -1 } };
    const done = () => s.raw_transactions === expected.valid && s.consumer.lag === 0 && owned(a.log()).length > 0 && owned(b.log()).length > 0;
    for (let i = 0; i < 240 && !done(); i++) {
      await new Promise((r) => setTimeout(r, 250));
      s = JSON.parse(await cli(['status', '--format', 'json'], t.env)) as typeof s;
    }
    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    assert.equal(await a.exited, 0, a.log());
    assert.equal(await b.exited, 0, b.log());
    assert.ok(owned(a.log()).length > 0, `first ingest never owned a partition:\n${a.log()}`);
    assert.ok(owned(b.log()).length > 0, `second ingest never owned a partition:\n${b.log()}`);
    const final = JSON.parse(await cli(['status', '--format', 'json'], t.env)) as {
      raw_transactions: number;
      duplicates: number;
      dead_letters: number;
      consumer: { lag: number };
    };
    assert.deepEqual(
      [final.raw_transactions, final.duplicates, final.dead_letters, final.consumer.lag],
      [expected.valid, expected.duplicates, expected.invalid, 0],
    );
    await cli(['dag', 'run', 'process_kafka_to_postgres'], t.env);
    assertMatches(await cli(['metrics', 'hourly', '--format', 'json'], t.env), expected);
  } finally {
    await dropIndex(opensearch, index);
    await deleteTopic(t);
    await t.cleanup();
  }
});

test('an hour emptied by an earlier-sorting resend on another partition loses its metrics row and its document', async () => {
  const { t, index, opensearch } = await target(2);
  const raw = new Producer({ clientId: 'txpipe-test-raw', bootstrapBrokers: t.config.kafka!.brokers, serializers: stringSerializers });
  try {
    await cli(['migrate'], t.env);
    const log = new KafkaEventLog(t.config.kafka!);
    await log.ensureTopic();
    await log.close();
    const event = (hour: string, amount: string) =>
      JSON.stringify({
        transaction_id: '77777777-0000-4000-8000-000000000001',
        user_id: '77777777-0000-4000-8000-000000000002',
        amount,
        currency: 'EUR',
        status: 'ok',
        event_time: `2026-04-01T${hour}:10:00Z`,
        processing_time: `2026-04-01T${hour}:10:01Z`,
      });
    const other = JSON.stringify({ ...JSON.parse(event('11', '1')), transaction_id: '77777777-0000-4000-8000-000000000003' });
    const t0 = BigInt(Date.now());
    await raw.send({
      messages: [
        { topic: t.config.topic, partition: 0, value: event('10', '5'), timestamp: t0 },
        { topic: t.config.topic, partition: 0, value: other, timestamp: t0 },
      ],
    });
    await cli(['ingest', '--until-idle'], t.env);
    await cli(['dag', 'run', 'process_kafka_to_postgres'], t.env);
    assert.deepEqual(
      (await readIndex(opensearch, index)).map((h) => h._id),
      ['2026-04-01T10:00:00Z', '2026-04-01T11:00:00Z'],
    );

    // The same transaction on the other partition, stamped earlier: it wins, and hour 10 is left empty.
    await raw.send({ messages: [{ topic: t.config.topic, partition: 1, value: event('12', '7'), timestamp: t0 - 60_000n }] });
    await cli(['ingest', '--until-idle'], t.env);
    await cli(['dag', 'run', 'process_kafka_to_postgres'], t.env);
    const metrics = JSON.parse(await cli(['metrics', 'hourly', '--format', 'json'], t.env)) as MetricsJson[];
    assert.deepEqual(
      metrics.map((m) => [m.event_hour, m.total_transactions, m.total_amount]),
      [
        ['2026-04-01T11:00:00Z', 1, 1],
        ['2026-04-01T12:00:00Z', 1, 7],
      ],
    );
    const hits = await readIndex(opensearch, index);
    assert.deepEqual(
      hits.map((h) => [h._id, h._source.total_amount]),
      [
        ['2026-04-01T11:00:00Z', 1],
        ['2026-04-01T12:00:00Z', 7],
      ],
      'the emptied hour has no document any more',
    );
    const r = await runCli(['reconcile'], t.env);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  } finally {
    await raw.close();
    await dropIndex(opensearch, index);
    await deleteTopic(t);
    await t.cleanup();
  }
});
