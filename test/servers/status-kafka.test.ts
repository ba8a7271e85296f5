/**
 * `status` and the topic on Kafka before anything is produced, and a broker list that does not answer:
 * zeros and a note for a topic not created yet, the setting and the brokers named for an outage.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { cli, runCli } from '../support/cli.ts';
import { freshTarget, testName } from '../support/target.ts';

function brokers(): string {
  const b = process.env.KAFKA_BROKERS;
  if (!b) throw new Error('KAFKA_BROKERS is not set: the Kafka tests need a broker (eval "$(npm run -s services:up)")');
  return b;
}

test('status on a migrated database whose Kafka topic does not exist yet prints zeros and says so', async () => {
  const topic = testName('txpipe_missing');
  const t = await freshTarget({ KAFKA_BROKERS: brokers(), TXPIPE_TOPIC: topic });
  try {
    await cli(['migrate'], t.env);
    const s = JSON.parse(await cli(['status', '--format', 'json'], t.env)) as {
      raw_transactions: number;
      dead_letters: number;
      topic: { kind: string; name: string };
      consumer: { lag: number | null; partitions: unknown[]; note: string | null };
    };
    assert.deepEqual(
      [s.topic, s.raw_transactions, s.dead_letters, s.consumer.lag, s.consumer.partitions, s.consumer.note],
      [{ kind: 'kafka', name: topic }, 0, 0, 0, [], `topic ${topic} does not exist yet: nothing produced, nothing to ingest`],
    );
    const text = await cli(['status'], t.env);
    assert.match(
      text,
      new RegExp(`^consumer +group txpipe-ingest, lag 0 \\(topic ${topic} does not exist yet: nothing produced, nothing to ingest\\)$`, 'm'),
    );
  } finally {
    await t.cleanup();
  }
});

test('produce to brokers that do not answer: one line naming KAFKA_BROKERS and the brokers, exit 1', async () => {
  const t = await freshTarget({ KAFKA_BROKERS: '127.0.0.1:1' });
  try {
    const file = join(t.env.TXPIPE_DATA_DIR!, '..', 'one.ndjson');
    await writeFile(file, '{"transaction_id":"a"}\n');
    const r = await runCli(['produce', '--file', file], t.env);
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /^txpipe: KAFKA_BROKERS: cannot reach Kafka at 127\.0\.0\.1:1 \(.*ECONNREFUSED 127\.0\.0\.1:1\)$/);
  } finally {
    await t.cleanup();
  }
});
