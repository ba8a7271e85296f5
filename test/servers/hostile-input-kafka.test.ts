/**
 * The hostile corpus (test/support/hostile-corpus.ts) through real Kafka into PostgreSQL: `txpipe
 * produce --file` publishes every line's exact bytes (the topic takes 6 MB messages, so the 5 MB one
 * reaches the ingest, which refuses it for its size), `txpipe ingest` makes each one the row, dead
 * letter or duplicate the corpus says, and `reconcile` balances against the topic's own counts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Admin } from '@platformatic/kafka';
import { KafkaEventLog } from '../../src/log/kafka/kafka-log.ts';
import { collectRecords } from '../../src/log/port.ts';
import { cli } from '../support/cli.ts';
import { corpusFile, hostileCorpus, outcomeCounts, sha256Hex } from '../support/hostile-corpus.ts';
import { assertCorpusStored, corpusIngestLine } from '../support/hostile-check.ts';
import { freshTarget, testName } from '../support/target.ts';

test('hostile corpus through Kafka: exact bytes published, every record counted once, reconcile balanced', async () => {
  const brokers = process.env.KAFKA_BROKERS;
  assert.ok(brokers, 'KAFKA_BROKERS must be set: eval "$(npm run -s services:up)"');
  const cases = hostileCorpus();
  const counts = outcomeCounts(cases);
  const topic = testName('txpipe_hostile');
  const t = await freshTarget({ KAFKA_BROKERS: brokers, TXPIPE_TOPIC: topic, TXPIPE_TOPIC_PARTITIONS: '3' }, 'postgres');
  const admin = new Admin({ clientId: 'txpipe-test-admin', bootstrapBrokers: brokers.split(',') });
  try {
    // Larger messages than the broker's default 1 MB, so the 5 MB one is the ingest's to refuse.
    await admin.createTopics({ topics: [topic], partitions: 3, replicas: 1, configs: [{ name: 'max.message.bytes', value: '6000000' }] });
    const file = join(t.env.TXPIPE_DATA_DIR!, '..', 'hostile.ndjson');
    await writeFile(file, corpusFile(cases));
    assert.match(await cli(['produce', '--file', file], t.env), new RegExp(`^published ${cases.length} messages to kafka topic ${topic}\\n`));

    // The topic holds each line's bytes exactly.
    const log = new KafkaEventLog(t.config.kafka!);
    try {
      const subscription = log.consume({ group: testName('g'), maxBatch: 1000, untilIdle: true }, collectRecords());
      const got: string[] = [];
      for await (const b of subscription) got.push(...b.batch.map((r) => sha256Hex(r.value)));
      await subscription.close();
      assert.deepEqual(got.sort(), cases.map((c) => sha256Hex(c.bytes)).sort());
    } finally {
      await log.close();
    }

    assert.match(await cli(['ingest', '--until-idle'], t.env), corpusIngestLine(cases));
    const w = await t.open();
    try {
      await assertCorpusStored(w, cases);
    } finally {
      await w.close();
    }
    const r = JSON.parse(await cli(['reconcile', '--format', 'json'], t.env)) as Record<string, unknown>;
    assert.deepEqual(
      [r.balanced, r.consumed, r.raw_transactions, r.dead_letters, r.duplicates],
      [true, cases.length, counts.rows, counts.dead, counts.duplicates],
    );
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin.close();
    await t.cleanup();
  }
});
