import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IdTable, RecentIds, idText, idWords } from '../../src/ingest/id-set.ts';
import { BatchPreparer, DEAD, DUPLICATE, ROW } from '../../src/ingest/prepare-batch.ts';
import type { LogRecord } from '../../src/log/port.ts';

const uuid = (n: number) => `${n.toString(16).padStart(8, '0')}-0000-4000-8000-${(n * 7919).toString(16).padStart(12, '0')}`;
const words = (id: string) => {
  const w = new Uint32Array(4);
  assert.ok(idWords(id, w, 0));
  return w;
};

test('ids round-trip through their 128 bits; sets of them are exact', () => {
  const id = 'FFFFFFFF-9A4D-4E2F-8B1A-00000000000a';
  assert.equal(idText(words(id), 0), id.toLowerCase());
  assert.equal(idWords('not-a-uuid-at-all-but-36-characters!', new Uint32Array(4), 0), false);
  const t = new IdTable(1000);
  for (let i = 0; i < 1000; i++) assert.equal(t.add(words(uuid(i)), 0), true);
  assert.equal(t.add(words(uuid(5)), 0), false, 'already there');
  assert.equal(t.size, 1000);
  for (let i = 0; i < 1000; i++) assert.ok(t.has(words(uuid(i)), 0));
  for (let i = 1000; i < 3000; i++) assert.ok(!t.has(words(uuid(i)), 0), 'no false positives');
  const zero = words('00000000-0000-0000-0000-000000000000');
  assert.ok(!t.has(zero, 0), 'the all-zero id is an id like any other: absent until added');
  assert.ok(t.capacity >= 1000);
  for (let i = 1000; i < t.capacity; i++) t.add(words(uuid(i)), 0);
  assert.throws(() => t.add(words(uuid(5000)), 0), /full/);
  t.clear();
  assert.ok(!t.has(words(uuid(1)), 0));
  assert.ok(t.add(zero, 0) && t.has(zero, 0));
});

test('recent ids keep the newest generation and drop the oldest whole', () => {
  const recent = new RecentIds(200);
  const batch = (from: number, to: number) => {
    const w = new Uint32Array((to - from) * 4);
    for (let i = from; i < to; i++) w.set(words(uuid(i)), (i - from) * 4);
    return w;
  };
  recent.addAll(batch(0, 100));
  recent.addAll(batch(100, 200));
  assert.ok(recent.has(words(uuid(0)), 0) && recent.has(words(uuid(199)), 0));
  recent.addAll(batch(200, 250));
  assert.ok(!recent.has(words(uuid(0)), 0), 'the oldest generation is gone');
  assert.ok(recent.has(words(uuid(100)), 0) && recent.has(words(uuid(249)), 0));
});

test('a prepared batch holds COPY lines, kinds, ids and per-partition ranges', async () => {
  const good = (id: string, hour: number) =>
    `{"transaction_id":"${id}","user_id":"${uuid(99)}","amount":1.50,"currency":"EUR","status":"ok","event_time":"2026-03-01T${String(hour).padStart(2, '0')}:10:00Z"}`;
  const payloads = [
    good(uuid(1), 1),
    'not json',
    good(uuid(2), 2),
    good(uuid(1), 3),
    `{"transaction_id":"${uuid(3)}","user_id":"${uuid(4)}","amount":"2","currency":"EUR","status":"tab\\tin","event_time":"2026-03-01T04:00:00+01:00"}`,
  ];
  const records: LogRecord[] = payloads.map((p, i) => ({
    partition: i % 2,
    offset: BigInt(10 + i),
    timestamp: Date.UTC(2026, 2, 1),
    value: Buffer.from(p),
  }));
  const p = new BatchPreparer().prepare(records);
  assert.deepEqual([...p.kinds], [ROW, DEAD, ROW, DUPLICATE, ROW]);
  assert.equal(p.rows, 3);
  assert.match(p.dead.get(1)!.reason, /^not JSON/);
  assert.equal(p.dead.get(1)!.payload, 'not json');
  assert.equal(idText(p.ids, 3 * 4), uuid(1), 'a duplicate keeps its id for the duplicates table');
  assert.deepEqual(
    p.ranges,
    new Map([
      [0, { min: 10n, max: 14n }],
      [1, { min: 11n, max: 13n }],
    ]),
  );
  const lines = p.copy.toString('utf8').split('\n');
  assert.equal(lines.length, 4);
  assert.equal(lines[0], `${uuid(1)}\t${uuid(99)}\t1.5\tEUR\tok\t2026-03-01 01:10:00.000000\t2026-03-01 00:00:00.000000`);
  assert.equal(
    lines[2],
    `${uuid(3)}\t${uuid(4)}\t2\tEUR\ttab\\tin\t2026-03-01 03:00:00.000000\t2026-03-01 00:00:00.000000`,
    'the reference path escapes for COPY',
  );
  assert.equal(p.copy.subarray(p.lineStarts[2]!, p.lineEnds[2]!).toString(), `${lines[1]}\n`);
  assert.equal(p.hours[4], Date.UTC(2026, 2, 1, 3) / 3_600_000);
});

test('records added one by one and cut into batches give what preparing each batch whole gives', () => {
  const payload = (i: number) =>
    i % 7 === 3
      ? `bad ${i}`
      : `{"transaction_id":"${uuid(i % 40)}","user_id":"${uuid(1000 + i)}","amount":${i}.25,"currency":"USD","status":"ok","event_time":"2026-03-01T0${i % 10}:00:00Z"}`;
  const records: LogRecord[] = Array.from({ length: 130 }, (_, i) => ({
    partition: i % 3,
    offset: BigInt(i),
    timestamp: Date.UTC(2026, 2, 1, 12),
    value: Buffer.from(payload(i)),
  }));
  const sink = new BatchPreparer(4); // far below the batch sizes: the arrays and the id set must grow
  const cuts = [0, 1, 50, 130];
  for (let k = 0; k + 1 < cuts.length; k++) {
    const part = records.slice(cuts[k], cuts[k + 1]);
    for (const r of part) sink.add(r.partition, r.offset, r.timestamp, r.value);
    assert.equal(sink.count, part.length);
    const got = sink.cut();
    const whole = new BatchPreparer(1000).prepare(part);
    assert.equal(got.count, part.length);
    assert.equal(got.rows, whole.rows);
    for (const f of ['partitions', 'offsets', 'kinds', 'lineStarts', 'lineEnds', 'hours', 'ids'] as const) {
      assert.deepEqual([...got[f]], [...whole[f]], f);
    }
    assert.deepEqual(got.copy, whole.copy);
    assert.deepEqual(got.dead, whole.dead);
    assert.deepEqual(got.ranges, whole.ranges);
    assert.equal(sink.count, 0, 'a cut starts the next batch empty');
  }
  const last = new BatchPreparer(1000).prepare(records.slice(50));
  assert.ok(last.rows > 0 && [...last.kinds].includes(DUPLICATE), 'duplicates are found within a batch, not across cuts');
});
