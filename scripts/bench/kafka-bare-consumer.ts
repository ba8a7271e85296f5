/**
 * Kafka throughput floors.
 *
 * `bareConsume` is the bench's floor (c): read `expected` records of the topic from the beginning with a
 * fresh group and do nothing else (the client's own stream, 'data' events, no decoding, no commits).
 *
 * Run by hand (produces N ~220-byte messages into a fresh topic, then measures produce, bare consume
 * and the KafkaEventLog adapter's consume without a database):
 *   KAFKA_BROKERS=127.0.0.1:59092 npx node scripts/bench/kafka-bare-consumer.ts [count=1000000] [partitions=3]
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Admin, Consumer } from '@platformatic/kafka';
import type { KafkaSettings } from '../../src/config.ts';
import { kafkaSecurityOptions } from '../../src/log/kafka/connection-options.ts';
import { KafkaEventLog } from '../../src/log/kafka/kafka-log.ts';
import { collectRecords } from '../../src/log/port.ts';

export async function bareConsume(settings: KafkaSettings, expected: number): Promise<{ seconds: number; perSecond: number }> {
  const consumer = new Consumer({
    clientId: `${settings.clientId}-bare`,
    bootstrapBrokers: settings.brokers,
    ...kafkaSecurityOptions(settings),
    groupId: `txpipe-bare-${randomBytes(6).toString('hex')}`,
    autocommit: false,
    minBytes: 1,
    maxBytes: 8 * 1024 * 1024,
    maxBytesPerPartition: 4 * 1024 * 1024,
    maxWaitTime: 100,
    highWaterMark: 20_000,
  });
  const started = performance.now();
  try {
    const stream = await consumer.consume({ topics: [settings.topic], mode: 'earliest', autocommit: false });
    let count = 0;
    await new Promise<void>((resolve, reject) => {
      if (expected <= 0) return resolve();
      stream.on('error', reject);
      stream.on('data', () => {
        if (++count === expected) resolve();
      });
    });
    const seconds = (performance.now() - started) / 1000;
    await stream.close();
    return { seconds, perSecond: expected / seconds };
  } finally {
    await consumer.close(true);
  }
}

/** The adapter's consume rate (no database): KafkaEventLog.consume with a fresh group, commit per batch. */
export async function adapterConsume(
  settings: KafkaSettings,
  expected: number,
  maxBatch = 5000,
): Promise<{ seconds: number; perSecond: number; batches: number }> {
  const log = new KafkaEventLog(settings);
  const controller = new AbortController();
  const started = performance.now();
  let count = 0;
  let batches = 0;
  let commits: Promise<void> | undefined;
  const subscription = log.consume(
    { group: `txpipe-adapter-${randomBytes(6).toString('hex')}`, maxBatch, untilIdle: true, signal: controller.signal },
    collectRecords(),
  );
  try {
    for await (const batch of subscription) {
      batches++;
      count += batch.count;
      // Commit each batch while reading the next, one commit at a time (as the ingest's pipeline does).
      if (commits) await commits;
      commits = batch.commit();
      if (count >= expected) controller.abort();
    }
    await commits;
  } finally {
    await subscription.close();
    await log.close();
  }
  const seconds = (performance.now() - started) / 1000;
  if (count < expected) throw new Error(`adapter consumed ${count} of ${expected} records`);
  return { seconds, perSecond: count / seconds, batches };
}

/** A ~220-byte transaction payload. */
function payload(i: number): string {
  const base = {
    transaction_id: `tx-${i.toString(36).padStart(10, '0')}`,
    user_id: `user-${i % 50_000}`,
    amount: ((i * 7919) % 100_000) / 100,
    currency: 'EUR',
    merchant: `merchant-${i % 977}`,
    category: ['grocery', 'travel', 'fuel', 'online', 'restaurant'][i % 5],
    status: i % 50 === 0 ? 'declined' : 'approved',
    timestamp: new Date(1_767_225_600_000 + i * 1000).toISOString(),
  };
  const text = JSON.stringify(base);
  return text.length < 220 ? JSON.stringify({ ...base, note: 'x'.repeat(220 - text.length - 10) }) : text;
}

async function main(): Promise<void> {
  const brokers = process.env.KAFKA_BROKERS?.trim();
  if (!brokers) {
    console.error('KAFKA_BROKERS is not set (eval "$(bash scripts/services/up.sh kafka)")');
    process.exit(2);
  }
  const count = Number(process.argv[2] ?? 1_000_000);
  const partitions = Number(process.argv[3] ?? 3);
  const settings: KafkaSettings = {
    brokers: brokers.split(','),
    clientId: 'txpipe-bench',
    topic: `txpipe_bench_${randomBytes(6).toString('hex')}`,
    partitions,
    replication: 1,
    group: 'unused',
  };
  const log = new KafkaEventLog(settings);
  try {
    await log.ensureTopic();
    const values = Array.from({ length: count }, (_, i) => payload(i));
    const avg = values.reduce((n, v) => n + v.length, 0) / count;
    console.log(`topic ${settings.topic}: ${partitions} partitions, ${count} messages of ~${avg.toFixed(0)} bytes`);
    let started = performance.now();
    for (let i = 0; i < count; i += 100_000) await log.append(values.slice(i, i + 100_000).map((value) => ({ value })));
    let seconds = (performance.now() - started) / 1000;
    console.log(`produce (acks=all, idempotent): ${seconds.toFixed(2)} s, ${(count / seconds).toFixed(0)} msg/s`);

    const bare = await bareConsume(settings, count);
    console.log(`bare consume (c):              ${bare.seconds.toFixed(2)} s, ${bare.perSecond.toFixed(0)} msg/s`);
    const adapter = await adapterConsume(settings, count);
    console.log(
      `adapter consume (5000/batch):  ${adapter.seconds.toFixed(2)} s, ${adapter.perSecond.toFixed(0)} msg/s, ${adapter.batches} batches (${((100 * adapter.perSecond) / bare.perSecond).toFixed(0)}% of bare)`,
    );
    started = performance.now();
    const bare2 = await bareConsume(settings, count);
    seconds = (performance.now() - started) / 1000;
    console.log(`bare consume again:            ${seconds.toFixed(2)} s, ${bare2.perSecond.toFixed(0)} msg/s`);
    const adapter2 = await adapterConsume(settings, count);
    console.log(
      `adapter consume again:         ${adapter2.seconds.toFixed(2)} s, ${adapter2.perSecond.toFixed(0)} msg/s (${((100 * adapter2.perSecond) / bare2.perSecond).toFixed(0)}% of bare)`,
    );
  } finally {
    const admin = new Admin({ clientId: 'txpipe-bench-admin', bootstrapBrokers: settings.brokers, ...kafkaSecurityOptions(settings) });
    await admin.deleteTopics({ topics: [settings.topic] }).catch(() => {});
    await admin.close();
    await log.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
