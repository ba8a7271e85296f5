/** Small parts of the Kafka adapter (internals): keyed partitioning, batch cutting, the seek. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { partitionForKey } from '../../src/log/kafka/kafka-appender.ts';
import { BatchCutter } from '../../src/log/kafka/batch-cutter.ts';
import { fetchPosition, seekStream } from '../../src/log/kafka/seek.ts';
import { collectRecords } from '../../src/log/port.ts';
import { keyedRecord, transactionKey } from '../../src/events/event-key.ts';
import { murmur2 } from '../../src/log/kafka/murmur2.ts';
import { murmur2 as libraryMurmur2 } from '@platformatic/kafka';
import { generateEvents } from '../../src/events/generator.ts';

test("keys pick the partition Kafka's Java client picks (murmur2, positive, modulo the partitions)", () => {
  // Computed with org.apache.kafka.common.utils.Utils from kafka-clients 4.4.0: toPositive(murmur2(utf8(key))) % n.
  const java: [string, number, number][] = [
    ['00000000-0000-4000-8000-000000000000', 2, 3],
    ['3f2504e0-4f89-11d3-9a0c-0305e82c3301', 2, 5],
    ['a', 1, 5],
    ['hello', 0, 4],
    ['café', 0, 6],
  ];
  for (const [key, of3, of7] of java) {
    assert.equal(partitionForKey(key, 3), of3, `${key} of 3`);
    assert.equal(partitionForKey(key, 7), of7, `${key} of 7`);
  }
});

test("murmur2 of a string equals the client library's of its UTF-8 bytes, at every length and for any text", () => {
  let seed = 7;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const alphabet = 'abcdefABCDEF0123456789-_{}" é中😀';
  for (let n = 0; n < 2000; n++) {
    const chars = Array.from({ length: n % 45 }, () => alphabet[Math.floor(rand() * (n % 3 === 0 ? alphabet.length : 24))]);
    const key = chars.join('');
    assert.equal(murmur2(key), libraryMurmur2(Buffer.from(key, 'utf8')), JSON.stringify(key));
  }
});

test('the key read without parsing equals the key JSON.parse gives, on generated traffic and odd shapes', () => {
  const parsed = (line: string) => {
    try {
      const v = JSON.parse(line) as { transaction_id?: unknown } | null;
      const id = v && typeof v === 'object' && !Array.isArray(v) ? v.transaction_id : undefined;
      return typeof id === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id) ? id.toLowerCase() : undefined;
    } catch {
      return undefined;
    }
  };
  const lines = [
    ...generateEvents({
      count: 5000,
      seed: 3,
      start: Date.parse('2026-03-01T00:00:00Z'),
      eventsPerHour: 3600,
      lateRatio: 0.05,
      duplicateRatio: 0.02,
      invalidRatio: 0.2,
    }),
    '{"transaction_id":"3F2504E0-4F89-11D3-9A0C-0305E82C3301x","a":1}',
    '{"transaction_id":"3F2504E0-4F89-11D3-9A0C-0305E82C330","a":1}',
    '{"transaction_id": "3F2504E0-4F89-11D3-9A0C-0305E82C3301"}',
    '{"transaction_id":"3f2504e0-4f89-11d3-9a0c-0305e82c3301","transaction_id":"00000000-0000-4000-8000-000000000000"}',
    '["transaction_id","3f2504e0-4f89-11d3-9a0c-0305e82c3301"]',
    '{"transaction\u005fid":"3f2504e0-4f89-11d3-9a0c-0305e82c3301"}',
  ];
  let json = 0;
  for (const line of lines) {
    try {
      JSON.parse(line);
    } catch {
      continue; // not JSON: a dead letter on any partition (a truncated event keeps the id it starts with)
    }
    json++;
    assert.equal(transactionKey(line), parsed(line), line);
  }
  assert.ok(json > 4000);
});

test('an event is keyed by its transaction_id in lower case; a line without a readable id has no key', () => {
  const id = '3F2504E0-4F89-11D3-9A0C-0305E82C3301';
  assert.deepEqual(keyedRecord(`{"transaction_id":"${id}","amount":1}`), { key: id.toLowerCase(), value: `{"transaction_id":"${id}","amount":1}` });
  assert.equal(
    transactionKey('{"transaction_id":"a","transaction_id":"3f2504e0-4f89-11d3-9a0c-0305e82c3301"}'),
    '3f2504e0-4f89-11d3-9a0c-0305e82c3301',
    'the last duplicate key, as the ingest reads it',
  );
  for (const line of ['not json', '[]', 'null', '{"transaction_id":42}', '{"transaction_id":"not-a-uuid"}', '{}']) {
    assert.equal(transactionKey(line), undefined, line);
    assert.deepEqual(keyedRecord(line), { value: line });
  }
});

test('the cutter hands records to the sink and commits the last offset + 1 of each partition, with its leader epoch', async () => {
  const cutter = new BatchCutter(collectRecords());
  cutter.add(0, 5n, 1, 100, Buffer.from('a'));
  cutter.add(1, 9n, 3, 101, Buffer.from('b'));
  cutter.add(0, 6n, 2, 102, Buffer.from('c'));
  assert.equal(cutter.count, 3);
  let committed: unknown;
  const batch = cutter.cut(async (marks) => {
    committed = marks;
  });
  assert.equal(cutter.count, 0);
  assert.equal(batch.count, 3);
  assert.deepEqual(
    batch.batch.map((r) => Buffer.from(r.value).toString()),
    ['a', 'b', 'c'],
  );
  await batch.commit();
  await batch.commit(); // once only
  assert.deepEqual(committed, [
    { partition: 0, offset: 6n, leaderEpoch: 2 },
    { partition: 1, offset: 9n, leaderEpoch: 3 },
  ]);
});

test('a seek sets the next fetch offset of owned partitions only', () => {
  const stream = { offsetsToFetch: new Map([['t:0', 3n]]) };
  seekStream(
    stream,
    't',
    new Map([
      [0, 10n],
      [1, 20n],
      [2, -1n],
    ]),
    new Set([0, 2]),
  );
  assert.equal(fetchPosition(stream, 't', 0), 10n);
  assert.equal(fetchPosition(stream, 't', 1), undefined, 'not owned');
  assert.equal(fetchPosition(stream, 't', 2), undefined, 'a negative offset means none');
});
