/**
 * One answer per topic, on a partitioned Kafka topic: the same file gives exactly the file-order result
 * (an independent computation) whether txpipe's own producer keyed it by transaction_id or Kafka's own
 * console producer spread it round-robin, so that an event and its conflicting resend sit on different
 * partitions; through SIGKILLs of the ingest, and with any batch size.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cli, cliEnv, repoRoot, runCli, nodeFlags } from '../support/cli.ts';
import { freshTarget, testName, type Target } from '../support/target.ts';
import { generated, writeNdjson } from '../support/events.ts';
import { expectedMetrics } from '../support/expected.ts';
import { assertMatches } from '../support/assert-metrics.ts';
import { consoleProducer, feedLines } from '../support/kafka-tools.ts';
import { connectWarehouse } from '../../src/runtime.ts';
import { KafkaEventLog } from '../../src/log/kafka/kafka-log.ts';
import { partitionForKey } from '../../src/log/kafka/kafka-appender.ts';
import { collectRecords } from '../../src/log/port.ts';
import { transactionKey } from '../../src/events/event-key.ts';

const kafka = () => {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers) throw new Error('KAFKA_BROKERS must be set: eval "$(npm run -s services:up)"');
  return brokers;
};

/** A fresh PostgreSQL database reading `topic` (3 partitions) with its own consumer group. */
function target(topic: string, extra: Record<string, string> = {}): Promise<Target> {
  return freshTarget(
    {
      KAFKA_BROKERS: kafka(),
      TXPIPE_TOPIC: topic,
      TXPIPE_CONSUMER_GROUP: testName('txpipe_group'),
      TXPIPE_TOPIC_PARTITIONS: '3',
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      ...extra,
    },
    'postgres',
  );
}

/**
 * About 20,000 lines: generated events (with verbatim resends and invalid lines) plus, for one valid
 * event in twenty, a conflicting resend (another hour, amount and status) at least `gap` lines later.
 * Each line carries its line number in a field txpipe ignores, so a test can check the record timestamps.
 */
function conflictingLines(gap: number): string[] {
  const base = generated(19_000, 97, '2026-05-01T00:00:00Z', 2400);
  const lines: string[] = [];
  const pending: { at: number; line: string }[] = [];
  base.forEach((line, i) => {
    lines.push(line);
    const e = (() => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return null;
      }
    })();
    if (e && typeof e.transaction_id === 'string' && typeof e.event_time === 'string' && Number.isFinite(Date.parse(e.event_time)) && i % 20 === 7) {
      const shifted = new Date(Date.parse(e.event_time) + 3 * 3_600_000).toISOString();
      pending.push({
        at: i + gap + (i % 97),
        line: JSON.stringify({ ...e, amount: '1234.56', status: 'resent', event_time: shifted, processing_time: shifted }),
      });
    }
    while (pending.length > 0 && pending[0]!.at <= i) lines.push(pending.shift()!.line);
  });
  for (const p of pending) lines.push(p.line);
  return lines.map((line, n) => (line.startsWith('{"transaction_id"') ? `{"line":${n},${line.slice(1)}` : line));
}

/** Every table an answer consists of, dumped in a fixed order (no wall-clock columns). */
async function dump(t: Target) {
  const w = await connectWarehouse(t.config);
  try {
    const q = (text: string) => w.query(text);
    return {
      transactions: await q(
        `SELECT transaction_id::text, user_id::text, amount::text, currency, status, event_time::text, processing_time::text,
                log_partition, log_offset::text, log_timestamp_ms::text FROM transactions ORDER BY transaction_id`,
      ),
      duplicates: await q(`SELECT topic, partition, "offset"::text, transaction_id::text FROM duplicate_events ORDER BY partition, "offset"`),
      deadLetters: await q(`SELECT topic, partition, "offset"::text, payload, reason FROM dead_letters ORDER BY partition, "offset"`),
      hourlyMetrics: await q(
        `SELECT event_hour::text, total_transactions::text, total_amount::text, late_transactions::text, late_ratio FROM hourly_metrics ORDER BY 1`,
      ),
    };
  } finally {
    await w.close();
  }
}

async function dagRunAndCheck(t: Target, lines: string[]): Promise<void> {
  await cli(['dag', 'run', 'process_kafka_to_postgres'], t.env);
  assertMatches(await cli(['metrics', 'hourly', '--format', 'json'], t.env), expectedMetrics(lines, 0n));
  const r = await runCli(['reconcile', '--format', 'json'], t.env);
  assert.equal(r.code, 0, `reconcile: ${r.stdout}${r.stderr}`);
  assert.equal((JSON.parse(r.stdout) as { balanced: boolean }).balanced, true);
}

test('keyed by txpipe produce: conflicting resends give exactly the file-order result, each id on one partition', async () => {
  const topic = testName('txpipe_keyed');
  const t = await target(topic);
  try {
    const lines = conflictingLines(50);
    const file = join(t.env.TXPIPE_DATA_DIR!, '..', 'events.ndjson');
    await writeNdjson(file, lines);
    await cli(['produce', '--file', file], t.env);
    await cli(['ingest', '--until-idle'], t.env);
    await dagRunAndCheck(t, lines);

    const w = await connectWarehouse(t.config);
    try {
      const split = await w.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM duplicate_events d JOIN transactions t USING (transaction_id) WHERE d.partition <> t.log_partition`,
      );
      assert.equal(split[0]!.n, '0', 'every delivery of a transaction shares its partition');
    } finally {
      await w.close();
    }

    // Kafka's own producer, keyed the same way, puts each key on the partition txpipe does.
    const javaTopic = testName('txpipe_keyed_java');
    await cli(['migrate'], { ...t.env, TXPIPE_TOPIC: javaTopic });
    const log = new KafkaEventLog({ ...t.config.kafka!, topic: javaTopic });
    try {
      await log.ensureTopic();
      const keyed = lines.filter((l) => transactionKey(l) !== undefined).slice(0, 60);
      const producer = consoleProducer(kafka(), javaTopic, {}, { parseKey: true });
      await feedLines(
        producer.child,
        keyed.map((l) => `${transactionKey(l)}\t${l}`),
        60,
        0,
      );
      await producer.done;
      const subscription = log.consume({ group: testName('g'), maxBatch: 100, untilIdle: true }, collectRecords());
      const placed: [string, number][] = [];
      for await (const b of subscription) for (const r of b.batch) placed.push([transactionKey(Buffer.from(r.value).toString())!, r.partition]);
      await subscription.close();
      assert.equal(placed.length, keyed.length);
      for (const [key, partition] of placed) assert.equal(partition, partitionForKey(key, 3), key);
    } finally {
      await log.close();
    }
  } finally {
    await t.cleanup();
  }
});

/** Runs `txpipe ingest --follow` in its own process group. */
function followIngest(t: Target) {
  const child = spawn(process.execPath, [...nodeFlags, join(repoRoot, 'src/cli/main.ts'), 'ingest', '--follow'], {
    env: cliEnv(t.env),
    detached: true,
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.resume();
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return { child, exited, stderr: () => stderr };
}

async function rawCount(t: Target): Promise<number> {
  const w = await connectWarehouse(t.config);
  try {
    return Number((await w.query<{ n: string }>('SELECT count(*)::text AS n FROM transactions'))[0]!.n);
  } finally {
    await w.close();
  }
}

test('unkeyed from Kafka’s console producer, round-robin: the same result through SIGKILLs, and the same tables with any batch size', async () => {
  const topic = testName('txpipe_unkeyed');
  const t = await target(topic, { TXPIPE_BATCH_SIZE: '777' });
  const others: Target[] = [];
  try {
    const lines = conflictingLines(400);
    await cli(['migrate'], t.env);
    const log = new KafkaEventLog(t.config.kafka!);
    await log.ensureTopic();
    await log.close();

    // The ingest follows the topic while it is written, and is killed (its whole process group) now and then.
    const producer = consoleProducer(kafka(), topic, {
      'partitioner.class': 'org.apache.kafka.clients.producer.RoundRobinPartitioner',
      'linger.ms': '0',
    });
    const feeding = feedLines(producer.child, lines, 50, 20).then(() => producer.done);
    let kills = 0;
    let fed = false;
    void feeding.then(() => (fed = true));
    while (kills < 3) {
      const ingest = followIngest(t);
      const before = await rawCount(t);
      for (let i = 0; i < 600 && (await rawCount(t)) <= before; i++) await sleep(50);
      await sleep(150 + kills * 70);
      process.kill(-ingest.child.pid!, 'SIGKILL');
      await ingest.exited;
      kills++;
    }
    await feeding;
    assert.ok(fed);
    assert.equal((await runCli(['ingest', '--until-idle'], t.env)).code, 0);

    // The precondition of the file-order answer: an id's conflicting deliveries are stamped in line order.
    const reader = new KafkaEventLog({ ...t.config.kafka!, group: testName('g') });
    const deliveries = new Map<string, { line: number; ts: number; partition: number; body: string }[]>();
    try {
      const subscription = reader.consume({ group: testName('g'), maxBatch: 5000, untilIdle: true }, collectRecords());
      for await (const b of subscription) {
        for (const r of b.batch) {
          const text = Buffer.from(r.value).toString();
          const key = transactionKey(text);
          const line = /^\{"line":(\d+),/.exec(text)?.[1];
          if (key === undefined || line === undefined) continue;
          deliveries.set(key, [
            ...(deliveries.get(key) ?? []),
            { line: Number(line), ts: r.timestamp, partition: r.partition, body: text.replace(/^\{"line":\d+,/, '') },
          ]);
        }
      }
      await subscription.close();
    } finally {
      await reader.close();
    }
    let apart = 0;
    for (const [key, ds] of deliveries) {
      ds.sort((a, b) => a.line - b.line);
      for (let i = 1; i < ds.length; i++) {
        if (ds[i]!.body === ds[i - 1]!.body) continue; // a verbatim resend: either one gives the same answer
        assert.ok(
          ds[i]!.ts > ds[i - 1]!.ts,
          `${key}: line ${ds[i]!.line} stamped ${ds[i]!.ts}, not after line ${ds[i - 1]!.line} (${ds[i - 1]!.ts})`,
        );
        if (ds[i]!.partition !== ds[0]!.partition) apart++;
      }
    }
    assert.ok(apart > 100, `resends sit on other partitions than their originals (${apart})`);
    await dagRunAndCheck(t, lines);
    const first = await dump(t);

    // The same topic into fresh databases, with other batch sizes and no kills: the same tables.
    for (const size of ['200', '10000']) {
      const other = await target(topic, { TXPIPE_BATCH_SIZE: size });
      others.push(other);
      await cli(['ingest', '--until-idle'], other.env);
      await dagRunAndCheck(other, lines);
      const again = await dump(other);
      assert.deepEqual(again.transactions, first.transactions, `transactions, batch size ${size}`);
      assert.deepEqual(again.duplicates, first.duplicates, `duplicate_events, batch size ${size}`);
      assert.deepEqual(again.deadLetters, first.deadLetters, `dead_letters, batch size ${size}`);
      assert.deepEqual(again.hourlyMetrics, first.hourlyMetrics, `hourly_metrics, batch size ${size}`);
    }
  } finally {
    for (const o of others) await o.cleanup();
    await t.cleanup();
  }
});
