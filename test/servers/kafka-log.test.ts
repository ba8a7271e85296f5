/**
 * KafkaEventLog against a real broker (KAFKA_BROKERS). Every test uses its own topic and group.
 * Without KAFKA_BROKERS every test fails with a message saying how to start one.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Admin, Producer } from '@platformatic/kafka';
import type { KafkaSettings } from '../../src/config.ts';
import { collectRecords, LogUnreachableError, type AppendRecord, type ConsumeOptions, type LogRecord } from '../../src/log/port.ts';
import { isOutage } from '../../src/observe/outage.ts';
import { KafkaEventLog } from '../../src/log/kafka/kafka-log.ts';

const BROKERS = process.env.KAFKA_BROKERS?.trim();

function brokers(): string[] {
  if (!BROKERS) {
    assert.fail('KAFKA_BROKERS is not set: start Kafka with eval "$(bash scripts/services/up.sh kafka)" and run again');
  }
  return BROKERS.split(',');
}

const createdTopics: string[] = [];
let admin: Admin | undefined;
function adminClient(): Admin {
  admin ??= new Admin({ clientId: 'txpipe-test-admin', bootstrapBrokers: brokers() });
  return admin;
}

after(async () => {
  if (!admin) return;
  if (createdTopics.length > 0) await admin.deleteTopics({ topics: createdTopics }).catch(() => {});
  await admin.close();
});

function settings(partitions: number): KafkaSettings {
  const topic = `txpipe_test_${randomBytes(6).toString('hex')}`;
  createdTopics.push(topic);
  return {
    brokers: brokers(),
    clientId: 'txpipe-test',
    topic,
    partitions,
    replication: 1,
    group: `${topic}_group`,
  };
}

/** Records without keys: spread round-robin over the partitions. */
const unkeyed = (values: readonly string[]): AppendRecord[] => values.map((value) => ({ value }));

const group = () => `txpipe_test_group_${randomBytes(6).toString('hex')}`;
const fast = { quietMs: 250, heartbeatInterval: 300, sessionTimeout: 10_000, rebalanceTimeout: 10_000 };

/** Consumes to the end (untilIdle), optionally committing every batch. */
async function drain(
  log: KafkaEventLog,
  options: Partial<ConsumeOptions> & { group: string },
  commit = true,
): Promise<{ records: LogRecord[]; batches: number }> {
  const records: LogRecord[] = [];
  let batches = 0;
  const subscription = log.consume({ maxBatch: 500, untilIdle: true, ...options }, collectRecords());
  try {
    for await (const batch of subscription) {
      batches++;
      assert.ok(batch.batch.length > 0, 'no empty batches');
      assert.equal(batch.count, batch.batch.length, 'count is the records cut into the batch');
      assert.ok(batch.batch.length <= (options.maxBatch ?? 500), 'batch respects maxBatch');
      records.push(...batch.batch);
      if (commit) await batch.commit();
    }
  } finally {
    await subscription.close();
  }
  return { records, batches };
}

/** Runs `each` on every batch of one subscription, then leaves the group. */
async function consumeWith(
  log: KafkaEventLog,
  options: ConsumeOptions,
  each: (batch: { batch: LogRecord[]; count: number; commit(): Promise<void> }) => Promise<void>,
) {
  const subscription = log.consume(options, collectRecords());
  try {
    for await (const batch of subscription) await each(batch);
  } finally {
    await subscription.close();
  }
}

const id = (r: LogRecord) => `${r.partition}:${r.offset}`;

function assertPerPartitionOrder(records: LogRecord[]): void {
  const last = new Map<number, bigint>();
  for (const r of records) {
    const previous = last.get(r.partition);
    if (previous !== undefined) assert.ok(r.offset > previous, `partition ${r.partition}: ${r.offset} after ${previous}`);
    last.set(r.partition, r.offset);
  }
}

test('ensureTopic creates the configured partitions and is idempotent', async () => {
  const s = settings(4);
  const log = new KafkaEventLog(s);
  try {
    await log.ensureTopic();
    await log.ensureTopic();
    const metadata = await adminClient().metadata({ topics: [s.topic], forceUpdate: true });
    assert.equal(metadata.topics.get(s.topic)?.partitionsCount, 4);
    assert.equal(log.kind, 'kafka');
    assert.equal(log.topic, s.topic);
  } finally {
    await log.close();
  }
});

test('append then consume(untilIdle) returns every payload exactly once, in offset order, garbage kept', async () => {
  const s = settings(3);
  const log = new KafkaEventLog(s, undefined, fast);
  const raw = new Producer({ clientId: 'txpipe-test-raw', bootstrapBrokers: s.brokers });
  try {
    await log.ensureTopic();
    const t0 = Date.now();
    const garbage = ['not json {{{', '', '💳 café', 'nul\u0000byte', '{"truncated":', ' '.repeat(3)];
    const values = Array.from({ length: 5000 }, (_, i) => JSON.stringify({ transaction_id: `t${i}`, amount: i / 100 }));
    await log.append(unkeyed([...values.slice(0, 2500), ...garbage, ...values.slice(2500)]));
    await log.append(unkeyed(['\uD800 lone surrogate'])); // not encodable: the encoder writes U+FFFD
    // Bytes that are not UTF-8 and a null value, from a producer outside txpipe.
    await raw.send({
      messages: [
        { topic: s.topic, value: Buffer.from([0xff, 0xfe, 0x41, 0xc3]), partition: 0 },
        { topic: s.topic, partition: 1 },
      ],
    });
    const total = values.length + garbage.length + 3;

    const g = group();
    const { records } = await drain(log, { group: g, maxBatch: 700 });
    const t1 = Date.now();
    assert.equal(records.length, total);
    assert.equal(new Set(records.map(id)).size, total, 'no record twice');
    assertPerPartitionOrder(records);
    // Offsets per partition are exactly 0..n-1.
    const perPartition = new Map<number, bigint[]>();
    for (const r of records) perPartition.set(r.partition, [...(perPartition.get(r.partition) ?? []), r.offset]);
    assert.deepEqual([...perPartition.keys()].sort(), [0, 1, 2]);
    for (const offsets of perPartition.values()) {
      assert.deepEqual(
        offsets,
        offsets.map((_, i) => BigInt(i)),
      );
    }
    for (const r of records) {
      assert.equal(typeof r.timestamp, 'number');
      assert.ok(r.timestamp >= t0 - 5_000 && r.timestamp <= t1 + 5_000, `timestamp ${r.timestamp} within the test window`);
    }
    // Payloads arrive as the bytes produced (the ingest refuses a message that is not UTF-8, keeping its bytes).
    const got = records.map((r) => Buffer.from(r.value).toString('hex'));
    const gotCounts = new Map<string, number>();
    for (const v of got) gotCounts.set(v, (gotCounts.get(v) ?? 0) + 1);
    const hex = (text: string) => Buffer.from(text, 'utf8').toString('hex');
    for (const v of [...values, ...garbage]) assert.ok(gotCounts.get(hex(v))! >= 1, `payload ${JSON.stringify(v)} delivered`);
    assert.equal(gotCounts.get(''), 2, 'the empty payload and the null value both arrive as no bytes');
    assert.ok(got.includes(hex('\uFFFD lone surrogate')), 'the producer wrote the unencodable surrogate as U+FFFD');
    assert.ok(got.includes('fffe41c3'), 'bytes that are not UTF-8 arrive untouched');

    // Commit moved the group's position to the end of every partition.
    const lag = await log.lag(g);
    assert.equal(lag.length, 3);
    for (const p of lag) assert.equal(p.position, p.end, `partition ${p.partition} has no lag`);
    assert.equal(
      lag.reduce((sum, p) => sum + p.end, 0n),
      BigInt(total),
    );

    // Same group again: nothing left.
    const again = await drain(log, { group: g });
    assert.equal(again.records.length, 0);

    // A group that never committed: position 0, end unchanged.
    const fresh = await log.lag(group());
    for (const p of fresh) assert.equal(p.position, 0n);
  } finally {
    await raw.close();
    await log.close();
  }
});

test('a slow consumer holds the fetches back and still gets every record once, batches full', async () => {
  const s = settings(3);
  // One batch ready at most (readAhead 1) and a tiny client buffer: the stream pauses and resumes many times. A long
  // linger: a partial batch is cut only at the end.
  const log = new KafkaEventLog(s, undefined, { ...fast, bufferedMessages: 10, lingerMs: 1000 });
  try {
    await log.ensureTopic();
    const values = Array.from({ length: 6000 }, (_, i) => `v${i}`);
    for (let i = 0; i < values.length; i += 1000) await log.append(unkeyed(values.slice(i, i + 1000)));
    const records: LogRecord[] = [];
    const sizes: number[] = [];
    await consumeWith(log, { group: group(), maxBatch: 250, untilIdle: true }, async (batch) => {
      sizes.push(batch.count);
      records.push(...batch.batch);
      await batch.commit();
      await new Promise((r) => setTimeout(r, 10)); // the consumer is the bottleneck
    });
    assert.equal(records.length, values.length);
    assert.deepEqual(new Set(records.map((r) => Buffer.from(r.value).toString())), new Set(values));
    assertPerPartitionOrder(records);
    assert.ok(
      sizes.slice(0, -1).every((n) => n === 250),
      `every batch but the last is cut full: ${sizes.join(',')}`,
    );
  } finally {
    await log.close();
  }
});

test('abort stops after the current batch; uncommitted records are delivered again to the next consumer', async () => {
  const s = settings(3);
  const log = new KafkaEventLog(s, undefined, fast);
  try {
    await log.ensureTopic();
    await log.append(unkeyed(Array.from({ length: 3000 }, (_, i) => `v${i}`)));
    const g = group();
    const controller = new AbortController();
    const committed: LogRecord[] = [];
    let batches = 0;
    let afterAbort = 0;
    await consumeWith(log, { group: g, maxBatch: 200, untilIdle: false, signal: controller.signal }, async (batch) => {
      if (controller.signal.aborted) afterAbort++;
      batches++;
      if (batches === 1) {
        committed.push(...batch.batch);
        await batch.commit();
      } else {
        controller.abort(); // abandon this batch: no commit
      }
    });
    assert.equal(batches, 2);
    assert.equal(afterAbort, 0, 'no batch yielded after the abort');

    const lag = await log.lag(g);
    const committedCount = lag.reduce((sum, p) => sum + p.position, 0n);
    assert.equal(committedCount, BigInt(committed.length), 'only the committed batch moved the group');

    const { records } = await drain(log, { group: g, maxBatch: 1000 });
    const seen = new Set(committed.map(id));
    assert.equal(records.length, 3000 - committed.length);
    for (const r of records) assert.ok(!seen.has(id(r)), 'committed records are not delivered again');
    assert.equal(new Set([...records.map(id), ...seen]).size, 3000, 'everything else is delivered again');
  } finally {
    await log.close();
  }
});

test('startAt: the consumer starts at the positions it keeps outside Kafka', async () => {
  const s = settings(2);
  const log = new KafkaEventLog(s, undefined, fast);
  try {
    await log.ensureTopic();
    await log.append(unkeyed(Array.from({ length: 400 }, (_, i) => `v${i}`)));
    const asked: number[][] = [];
    const { records } = await drain(log, {
      group: group(),
      startAt: async (partitions) => {
        asked.push(partitions);
        return new Map(partitions.map((p) => [p, 150n]));
      },
    });
    assert.deepEqual(asked, [[0, 1]]);
    assert.equal(records.length, 400 - 2 * 150);
    for (const r of records) assert.ok(r.offset >= 150n);
  } finally {
    await log.close();
  }
});

async function waitForMembers(groupId: string, members: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const groups = await adminClient().describeGroups({ groups: [groupId] });
    const g = groups.get(groupId);
    if (g && g.state.toUpperCase() === 'STABLE' && g.members.size === members) return;
    if (Date.now() > deadline) assert.fail(`group ${groupId} did not reach ${members} stable members (${g?.state}, ${g?.members.size})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('two consumers in one group split the partitions and together see every record once', async () => {
  const s = settings(4);
  const log = new KafkaEventLog(s, undefined, fast);
  try {
    await log.ensureTopic();
    const g = group();
    const controller = new AbortController();
    const seen: LogRecord[][] = [[], []];
    const runners = [0, 1].map(async (i) => {
      await consumeWith(log, { group: g, maxBatch: 300, untilIdle: false, signal: controller.signal }, async (batch) => {
        seen[i]!.push(...batch.batch);
        await batch.commit();
        if (seen[0]!.length + seen[1]!.length >= 4000) controller.abort();
      });
    });
    await waitForMembers(g, 2);
    await log.append(unkeyed(Array.from({ length: 4000 }, (_, i) => `v${i}`)));
    const timeout = setTimeout(() => controller.abort(), 30_000);
    await Promise.all(runners);
    clearTimeout(timeout);

    const all = [...seen[0]!, ...seen[1]!];
    assert.equal(all.length, 4000);
    assert.equal(new Set(all.map(id)).size, 4000, 'no record seen twice');
    assert.equal(new Set(all.map((r) => Buffer.from(r.value).toString())).size, 4000);
    const partitionsA = new Set(seen[0]!.map((r) => r.partition));
    const partitionsB = new Set(seen[1]!.map((r) => r.partition));
    assert.ok(partitionsA.size > 0 && partitionsB.size > 0, 'both consumers got partitions');
    for (const p of partitionsA) assert.ok(!partitionsB.has(p), `partition ${p} read by one consumer only`);
    assertPerPartitionOrder(seen[0]!);
    assertPerPartitionOrder(seen[1]!);

    const lag = await log.lag(g);
    for (const p of lag) assert.equal(p.position, p.end);
  } finally {
    await log.close();
  }
});

test('untilIdle on an empty topic returns promptly', async () => {
  const s = settings(3);
  const log = new KafkaEventLog(s);
  try {
    await log.ensureTopic();
    const started = Date.now();
    const { batches } = await drain(log, { group: group() });
    const elapsed = Date.now() - started;
    assert.equal(batches, 0);
    assert.ok(elapsed < 5_000, `returned after ${elapsed} ms`);
  } finally {
    await log.close();
  }
});

test('untilIdle ends when caught up on its share while another member owns the other partitions', async () => {
  const s = settings(2);
  const log = new KafkaEventLog(s, undefined, fast);
  try {
    await log.ensureTopic();
    await log.append(unkeyed(Array.from({ length: 1000 }, (_, i) => `v${i}`)));
    const g = group();
    const controller = new AbortController();
    let followerRecords = 0;
    const follower = (async () => {
      await consumeWith(log, { group: g, maxBatch: 100, untilIdle: false, signal: controller.signal }, async (batch) => {
        followerRecords += batch.count;
        await batch.commit();
      });
    })();
    await waitForMembers(g, 1);
    const started = Date.now();
    const { records } = await drain(log, { group: g });
    const elapsed = Date.now() - started;
    controller.abort();
    await follower;
    assert.ok(elapsed < 15_000, `returned after ${elapsed} ms`);
    assert.ok(records.length <= 1000);
    const lag = await log.lag(g);
    assert.ok(lag.every((p) => p.end === 500n || p.end > 0n));
    assert.ok(followerRecords + records.length >= 1000, 'together they read everything');
  } finally {
    await log.close();
  }
});

test('append publishes every record it can: one the broker refuses is reported by index, the others land in order', async () => {
  const s = settings(2);
  const log = new KafkaEventLog(s, undefined, fast);
  try {
    await log.ensureTopic();
    // Larger than the topic's max.message.bytes (the broker's 1 MiB default): refused before sending.
    const first = await log.append([
      { key: 'k1', value: 'a' },
      { key: 'k1', value: 'x'.repeat(1_100_000) },
      { key: 'k1', value: 'b' },
    ]);
    assert.deepEqual(
      first.refused.map((r) => r.index),
      [1],
    );
    assert.match(first.refused[0]!.reason, /1100002 bytes, larger than the topic's max\.message\.bytes \(1048588\)/);
    // The topic's limit lowered behind the appender's back: now the broker itself refuses, per partition.
    await adminClient().incrementalAlterConfigs({
      resources: [{ resourceType: 2, resourceName: s.topic, configs: [{ name: 'max.message.bytes', configOperation: 0, value: '2000' }] }],
    });
    await new Promise((r) => setTimeout(r, 500));
    const values = ['c', 'y'.repeat(5000), 'd', 'e', 'z'.repeat(3000), 'f'];
    const second = await log.append(values.map((value) => ({ key: 'k1', value })));
    assert.deepEqual(
      second.refused.map((r) => r.index),
      [1, 4],
    );
    assert.match(second.refused[0]!.reason, /MESSAGE_TOO_LARGE/);
    const { records } = await drain(log, { group: group() });
    assert.deepEqual(
      records.map((r) => Buffer.from(r.value).toString()),
      ['a', 'b', 'c', 'd', 'e', 'f'],
      'every other record, once, in order on its partition',
    );
    assert.equal(new Set(records.map((r) => r.partition)).size, 1, 'one key, one partition');
  } finally {
    await log.close();
  }
});

test('a subscription whose brokers do not answer fails naming KAFKA_BROKERS and the brokers, still an outage to wait out', async () => {
  const log = new KafkaEventLog({ ...settings(1), brokers: ['127.0.0.1:1'] }, undefined, fast);
  try {
    const subscription = log.consume({ group: 'txpipe-test-unreachable', maxBatch: 10, untilIdle: true }, collectRecords());
    const error = await (async () => {
      for await (const _ of subscription) assert.fail('no broker, no batch');
    })().then(
      () => assert.fail('the subscription ended without its brokers'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof LogUnreachableError, String(error));
    assert.match(error.message, /^KAFKA_BROKERS: cannot reach Kafka at 127\.0\.0\.1:1 \(.*ECONNREFUSED 127\.0\.0\.1:1/);
    assert.equal(isOutage(error), true, 'ingest still retries it with backoff');
  } finally {
    await log.close();
  }
});
