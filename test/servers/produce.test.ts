/** `txpipe produce` on Kafka: every line it can is published; each refused line is named, and the exit code says so. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { runCli } from '../support/cli.ts';
import { freshTarget, testName } from '../support/target.ts';
import { KafkaEventLog } from '../../src/log/kafka/kafka-log.ts';
import { collectRecords } from '../../src/log/port.ts';
import { eventJson } from '../support/prepare.ts';

test('a line larger than the broker takes is reported as "line N: reason"; the other lines are published, and produce exits 1', async () => {
  const brokers = process.env.KAFKA_BROKERS;
  assert.ok(brokers, 'KAFKA_BROKERS must be set: eval "$(npm run -s services:up)"');
  const t = await freshTarget({ KAFKA_BROKERS: brokers, TXPIPE_TOPIC: testName('txpipe_produce'), TXPIPE_TOPIC_PARTITIONS: '3' }, 'postgres');
  try {
    const huge = JSON.stringify({ transaction_id: '00000000-0000-4000-8000-00000000ffff', note: 'x'.repeat(1_200_000) });
    const lines = [eventJson(1), eventJson(2), 'not json', huge, eventJson(3), '', eventJson(4)];
    const file = join(t.env.TXPIPE_DATA_DIR!, '..', 'lines.ndjson');
    await writeFile(file, `${lines.join('\n')}\n`);
    const r = await runCli(['produce', '--file', file], t.env);
    assert.equal(r.code, 1, r.stderr);
    // The record's size is its key (the 36-character transaction_id) and its value.
    assert.deepEqual(r.stderr.trim().split('\n'), [
      `line 4: ${Buffer.byteLength(huge) + 36} bytes, larger than the topic's max.message.bytes (1048588)`,
    ]);
    assert.match(r.stdout, /^published 5 messages to kafka topic \S+; 1 refused/);

    const log = new KafkaEventLog(t.config.kafka!);
    try {
      const subscription = log.consume({ group: testName('g'), maxBatch: 100, untilIdle: true }, collectRecords());
      const got: string[] = [];
      for await (const b of subscription) got.push(...b.batch.map((x) => Buffer.from(x.value).toString()));
      await subscription.close();
      assert.deepEqual(got.sort(), [eventJson(1), eventJson(2), 'not json', eventJson(3), eventJson(4)].sort());
    } finally {
      await log.close();
    }
  } finally {
    await t.cleanup();
  }
});
