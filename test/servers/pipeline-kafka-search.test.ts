/**
 * The seed's own servers: Kafka → PostgreSQL → DAG → Elasticsearch, and the same on OpenSearch, through
 * the real CLI. The tests of the documents run on both engines (the engine a parameter, its URL alone
 * given to txpipe); the Kafka robustness tests, which only count documents, on Elasticsearch; the
 * retention test takes its topic from the log table, being about the index. Needs
 * DATABASE_URL, KAFKA_BROKERS, ELASTICSEARCH_URL and OPENSEARCH_URL (npm run services:up); a missing
 * server fails.
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
import { ingestInto } from '../support/ingest.ts';
import { assertMatches, assertStatusAccounts, type MetricsJson } from '../support/assert-metrics.ts';
import type { RecordedRun } from '../../src/index.ts';
import {
  asDocument,
  concreteIndices,
  documentHour,
  dropIndex,
  ENGINES,
  engineEnv,
  LIFECYCLE_ABSENT,
  lifecyclePresent,
  readDocuments,
  type Engine,
} from '../support/search-server.ts';

/** What the newest run's index task recorded (`dag runs --format json`). */
async function lastIndexSummary(t: Target) {
  const [run] = JSON.parse(await cli(['dag', 'runs', '--format', 'json', '--limit', '1'], t.env)) as RecordedRun[];
  const task = run?.tasks.find((x) => x.task_id === 'index_hourly_metrics_to_elasticsearch');
  return [task?.state, task?.summary];
}

function kafkaBrokers(): string {
  const kafka = process.env.KAFKA_BROKERS;
  if (!kafka) throw new Error('KAFKA_BROKERS must be set: eval "$(npm run -s services:up)"');
  return kafka;
}

async function target(partitions: number, engine: Engine, extra: Record<string, string> = {}): Promise<{ t: Target; index: string }> {
  const index = testName('txpipe_idx');
  const t = await freshTarget(
    {
      KAFKA_BROKERS: kafkaBrokers(),
      TXPIPE_TOPIC: testName('txpipe_topic'),
      TXPIPE_CONSUMER_GROUP: testName('txpipe_group'),
      TXPIPE_TOPIC_PARTITIONS: String(partitions),
      // A killed consumer's partitions move after this (the broker's minimum), not after the 30 s default.
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      ...engineEnv(engine),
      TXPIPE_INDEX: index,
      ...extra,
    },
    'postgres',
  );
  return { t, index };
}

async function deleteTopic(t: Target): Promise<void> {
  const admin = new Admin({ clientId: 'txpipe-test-admin', bootstrapBrokers: t.config.kafka!.brokers });
  try {
    await admin.deleteTopics({ topics: [t.config.topic] }).catch(() => {});
  } finally {
    await admin.close();
  }
}

for (const engine of ENGINES) {
  test(`[${engine}] Kafka → PostgreSQL → DAG → search index equals an independent computation; a second run leaves the index unchanged`, async () => {
    const { t, index } = await target(1, engine);
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

      assertStatusAccounts(await cli(['status', '--format', 'json'], t.env), expected);

      // The documents read back equal hourly_metrics: _id = event_hour, the five fields, nothing else.
      const metrics = JSON.parse(metricsText) as MetricsJson[];
      const hits = await readDocuments(engine, index);
      assert.deepEqual(
        hits.map((h) => h._id),
        metrics.map((m) => documentHour(m.event_hour)),
      );
      assert.deepEqual(
        hits.map((h) => h._source),
        metrics.map(asDocument),
      );
      assert.ok(hits.every((h) => h._index === `${index}-${h._id.slice(0, 4)}.${h._id.slice(5, 7)}`));

      // Rerun (same logical date) and full refresh: same documents, no new one.
      await cli(['dag', 'run', 'process_kafka_to_postgres', '--logical-date', '2026-03-01T10:00:00Z'], t.env);
      const afterRerun = await readDocuments(engine, index);
      assert.deepEqual(afterRerun, hits, 'a rerun rewrote or added documents');
      await cli(['dag', 'run', 'process_kafka_to_postgres', '--full-refresh'], t.env);
      const afterFull = await readDocuments(engine, index);
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
      const afterLate = await readDocuments(engine, index);
      assert.equal(afterLate.length, hits.length);
      const nine = afterLate.find((h) => h._id === '2026-03-01T09:00:00Z')!;
      const nineBefore = hits.find((h) => h._id === '2026-03-01T09:00:00Z')!;
      assert.equal(nine._source.total_transactions, nineBefore._source.total_transactions + 1);
      assert.equal(nine._source.late_transactions, nineBefore._source.late_transactions + 1);
    } finally {
      await dropIndex(engine, index);
      await deleteTopic(t);
      await t.cleanup();
    }
  });
}

test('a Kafka consumer killed mid-stream and restarted loses and doubles nothing', async () => {
  const engine = 'elasticsearch';
  const { t, index } = await target(3, engine);
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
    assert.equal((await readDocuments(engine, index)).length, expected.hours.length);
    const r = JSON.parse(await cli(['reconcile', '--format', 'json'], t.env)) as {
      consumed: number;
      accounted: number;
      balanced: boolean;
      complete: boolean;
    };
    assert.deepEqual([r.consumed, r.accounted, r.balanced, r.complete], [messages.length, messages.length, true, true]);
  } finally {
    await dropIndex(engine, index);
    await deleteTopic(t);
    await t.cleanup();
  }
});

test('two ingest processes in one group share the partitions, stop cleanly on SIGTERM, and apply every event once', async () => {
  const engine = 'elasticsearch';
  const { t, index } = await target(4, engine);
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
    await dropIndex(engine, index);
    await deleteTopic(t);
    await t.cleanup();
  }
});

for (const engine of ENGINES) {
  test(`[${engine}] an hour emptied by an earlier-sorting resend on another partition loses its metrics row and its document`, async () => {
    const { t, index } = await target(2, engine);
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
        (await readDocuments(engine, index)).map((h) => h._id),
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
          ['2026-04-01T11:00:00.000Z', 1, 1],
          ['2026-04-01T12:00:00.000Z', 1, 7],
        ],
      );
      const hits = await readDocuments(engine, index);
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
      await dropIndex(engine, index);
      await deleteTopic(t);
      await t.cleanup();
    }
  });
}

const DAY_MS = 86_400_000;
const monthOf = (hour: string) => hour.slice(0, 7).replace('-', '.');
/** The first instant after the month of `hour`. */
const monthEndMs = (hour: string) => Date.UTC(Number(hour.slice(0, 4)), Number(hour.slice(5, 7)), 1);

/** The warn-level lines of a txpipe process's JSON log (stderr off a terminal) that contain `text`. */
function warnings(stderr: string, text: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level: string; msg: string })
    .filter((r) => r.level === 'warn' && r.msg.includes(text))
    .map((r) => r.msg);
}

for (const engine of ENGINES) {
  test(`[${engine}] retention by event time through the DAG: hours past the horizon never indexed, months wholly past it deleted, one lifecycle warning per run`, async () => {
    // The topic is the log table in PostgreSQL here (ingested in this process): this test is about the index, not Kafka.
    const index = testName('txpipe_idx');
    const t = await freshTarget({ ...engineEnv(engine), TXPIPE_INDEX: index, TXPIPE_RETENTION_DAYS: '30' }, 'postgres');
    try {
      const lifecycle = await lifecyclePresent(engine);
      const dagRun = async () => {
        const r = await runCli(['dag', 'run', 'process_kafka_to_postgres'], t.env);
        assert.equal(r.code, 0, r.stderr);
        // Without ILM/ISM on the cluster: one warning line (at warn level) per run, and the run succeeds.
        assert.equal(warnings(r.stderr, LIFECYCLE_ABSENT[engine]).length, lifecycle ? 0 : 1, r.stderr);
      };
      // Three months of event time at once: January is more than 30 days older than the newest hour.
      const first = [
        ...generated(400, 61, '2026-01-10T00:00:00Z', 200),
        ...generated(400, 62, '2026-02-20T00:00:00Z', 200),
        ...generated(400, 63, '2026-03-05T00:00:00Z', 200),
      ];
      await ingestInto(t, first);
      await dagRun();
      const hoursFirst = expectedMetrics(first, 0n).hours.map((h) => h.event_hour);
      const horizonFirst = Date.parse(hoursFirst.at(-1)!) - 30 * DAY_MS;
      const keptFirst = hoursFirst.filter((h) => Date.parse(h) >= horizonFirst);
      assert.ok(keptFirst.length < hoursFirst.length && hoursFirst.some((h) => h.startsWith('2026-01')), 'some hours fall past the horizon');

      const metricsOf = async () =>
        new Map((JSON.parse(await cli(['metrics', 'hourly', '--format', 'json'], t.env)) as MetricsJson[]).map((m) => [m.event_hour, m]));
      const check = async (hours: string[]) => {
        const metrics = await metricsOf();
        const hits = await readDocuments(engine, index);
        assert.deepEqual(
          hits.map((h) => h._id),
          hours.map(documentHour),
        );
        assert.deepEqual(
          hits.map((h) => h._source),
          hours.map((h) => asDocument(metrics.get(h)!)),
        );
        for (const h of hits) assert.equal(h._index, `${index}-${monthOf(h._id)}`);
        assert.deepEqual(await concreteIndices(engine, index), [...new Set(hours.map((h) => `${index}-${monthOf(h)}`))].sort());
      };
      // January's hours are in hourly_metrics (PostgreSQL keeps everything) but not in the index, nor its month index.
      await check(keptFirst);
      assert.ok((await metricsOf()).has(hoursFirst[0]!));

      // April moves the horizon past February (deleted as a whole) but not past March (its index stays, with its documents).
      const later = generated(400, 64, '2026-04-10T00:00:00Z', 200);
      await ingestInto(t, later);
      await dagRun();
      const hoursLater = expectedMetrics(later, 0n).hours.map((h) => h.event_hour);
      const horizonLater = Date.parse(hoursLater.at(-1)!) - 30 * DAY_MS;
      const kept = [...keptFirst.filter((h) => monthEndMs(h) > horizonLater), ...hoursLater.filter((h) => Date.parse(h) >= horizonLater)];
      assert.ok(keptFirst.some((h) => h.startsWith('2026-02')) && !kept.some((h) => h.startsWith('2026-02')), 'February was indexed, then deleted');
      await check(kept);

      // reconcile knows the horizon: the documents it lacks are not differences.
      const r = await runCli(['reconcile', '--format', 'json'], t.env);
      assert.equal(r.code, 0, r.stdout + r.stderr);
    } finally {
      await dropIndex(engine, index);
      await t.cleanup();
    }
  });
}
