/**
 * `generate` and `produce` to Kafka open no warehouse: with KAFKA_BROKERS and no DATABASE_URL they used to
 * create a PGlite database under TXPIPE_DATA_DIR on every call (about 1 GB and seconds each in the
 * generator container). The events still arrive, every one (counted back from the topic).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin } from '@platformatic/kafka';
import { cli } from '../support/cli.ts';
import { testName } from '../support/target.ts';

async function topicSize(brokers: string, topic: string): Promise<number> {
  const admin = new Admin({ clientId: 'txpipe-test', bootstrapBrokers: [brokers] });
  try {
    const offsets = await admin.listOffsets({ topics: [{ name: topic, partitions: [0, 1, 2].map((p) => ({ partitionIndex: p, timestamp: -1n })) }] });
    return offsets.flatMap((t) => t.partitions).reduce((n, p) => n + Number(p.offset), 0);
  } finally {
    await admin.close();
  }
}

test('generate and produce to Kafka without DATABASE_URL create no data directory and publish every event', async () => {
  const brokers = process.env.KAFKA_BROKERS;
  assert.ok(brokers, 'KAFKA_BROKERS is not set: the servers tests need Kafka (eval "$(npm run -s services:up)")');
  const dir = mkdtempSync(join(tmpdir(), 'txpipe-test-'));
  try {
    const env = { KAFKA_BROKERS: brokers, TXPIPE_TOPIC: testName('txpipe_topic'), TXPIPE_DATA_DIR: join(dir, 'data'), TXPIPE_LOG_LEVEL: 'debug' };
    const generated = await cli(['generate', '--count', '700', '--seed', '3'], env);
    assert.match(generated, /published 700 events to kafka topic/);
    const file = join(dir, 'events.ndjson');
    writeFileSync(file, '{"transaction_id":"a"}\nnot json\n');
    const produced = await cli(['produce', '--file', file], env);
    assert.match(produced, /published 2 messages to kafka topic/);
    assert.equal(existsSync(env.TXPIPE_DATA_DIR), false, 'no PGlite data directory was created');
    assert.equal(await topicSize(brokers, env.TXPIPE_TOPIC), 702);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
