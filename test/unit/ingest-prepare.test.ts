/** Internals of the ingest's batch preparation: the id tables and the prepared batch's arrays. */
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ABSENT, IdTable, RecentIds, idText, idWords } from '../../src/ingest/id-set.ts';
import { LOSES, UNKNOWN, WINS } from '../../src/ingest/delivery-order.ts';
import { BatchPreparer, DEAD, DUPLICATE, ROW } from '../../src/ingest/prepare-batch.ts';
import type { LogRecord } from '../../src/log/port.ts';
import { prepareRecords, uuidOf as uuid } from '../support/prepare.ts';

const words = (id: string) => {
  const w = new Uint32Array(4);
  assert.ok(idWords(id, w, 0));
  return w;
};

test('ids round-trip through their 128 bits; tables of them are exact', () => {
  const id = 'FFFFFFFF-9A4D-4E2F-8B1A-00000000000a';
  assert.equal(idText(words(id), 0), id.toLowerCase());
  assert.equal(idWords('not-a-uuid-at-all-but-36-characters!', new Uint32Array(4), 0), false);
  const t = new IdTable(1000);
  for (let i = 0; i < 1000; i++) assert.equal(t.set(words(uuid(i)), 0, i), ABSENT);
  assert.equal(t.set(words(uuid(5)), 0, 77), 5, 'already there: the old value is returned, the new one kept');
  assert.equal(t.get(words(uuid(5)), 0), 77);
  assert.equal(t.size, 1000);
  for (let i = 0; i < 1000; i++) assert.ok(t.has(words(uuid(i)), 0));
  for (let i = 1000; i < 3000; i++) assert.equal(t.get(words(uuid(i)), 0), ABSENT, 'no false positives');
  const zero = words('00000000-0000-0000-0000-000000000000');
  assert.ok(!t.has(zero, 0), 'the all-zero id is an id like any other: absent until added');
  assert.ok(t.capacity >= 1000);
  for (let i = 1000; i < t.capacity; i++) t.set(words(uuid(i)), 0, i);
  assert.throws(() => t.set(words(uuid(5000)), 0, 1), /full/);
  const bigger = t.grown();
  assert.equal(bigger.get(words(uuid(7)), 0), 7, 'a grown table keeps ids and values');
  t.clear();
  assert.ok(!t.has(words(uuid(1)), 0));
  assert.equal(t.set(zero, 0, 3), ABSENT);
  assert.equal(t.get(zero, 0), 3);
});

/** Deliveries of ids from..to-1 at offset = id, timestamp 1000 + id, partition 0. */
function deliveries(from: number, to: number) {
  const n = to - from;
  const d = { ids: new Uint32Array(n * 4), timestamps: new Float64Array(n), partitions: new Int32Array(n), offsets: new BigInt64Array(n) };
  for (let k = 0; k < n; k++) {
    d.ids.set(words(uuid(from + k)), k * 4);
    d.timestamps[k] = 1000 + from + k;
    d.offsets[k] = BigInt(from + k);
  }
  return { d, all: Array.from({ length: n }, (_, k) => k) };
}

test('recent ids compare a new delivery with the remembered winner, and drop the oldest generation whole', () => {
  const recent = new RecentIds(200);
  const a = deliveries(0, 100);
  recent.remember(a.d, a.all);
  const b = deliveries(100, 200);
  recent.remember(b.d, b.all);
  assert.equal(recent.versus(words(uuid(0)), 0, 2000, 0, 5000n), LOSES, 'a later delivery of a known id loses');
  assert.equal(recent.versus(words(uuid(0)), 0, 999, 0, 5000n), WINS, 'an earlier-stamped delivery wins');
  assert.equal(recent.versus(words(uuid(0)), 0, 1000, 1, 0n), LOSES, 'same timestamp: the higher partition loses');
  assert.equal(recent.versus(words(uuid(199)), 0, 2000, 0, 1n), LOSES);
  assert.equal(recent.versus(words(uuid(500)), 0, 0, 0, 0n), UNKNOWN);
  const c = deliveries(200, 250);
  recent.remember(c.d, c.all);
  assert.equal(recent.versus(words(uuid(0)), 0, 2000, 0, 0n), UNKNOWN, 'the oldest generation is gone');
  assert.equal(recent.versus(words(uuid(100)), 0, 2000, 0, 0n), LOSES);
  // A displacing winner takes the remembered one's place.
  const earlier = { ids: words(uuid(249)), timestamps: new Float64Array([5]), partitions: new Int32Array([2]), offsets: new BigInt64Array([9n]) };
  recent.remember(earlier, [0]);
  assert.equal(recent.versus(words(uuid(249)), 0, 6, 0, 0n), LOSES);
  assert.equal(recent.versus(words(uuid(249)), 0, 4, 0, 0n), WINS);
});

test('a prepared batch holds COPY lines with the log position, kinds, ids and per-partition ranges', () => {
  const good = (id: string, hour: number) =>
    `{"transaction_id":"${id}","user_id":"${uuid(99)}","amount":1.50,"currency":"EUR","status":"ok","event_time":"2026-03-01T${String(hour).padStart(2, '0')}:10:00Z"}`;
  const payloads = [
    good(uuid(1), 1),
    'not json',
    good(uuid(2), 2),
    good(uuid(1), 3),
    `{"transaction_id":"${uuid(3)}","user_id":"${uuid(4)}","amount":"2","currency":"EUR","status":"tab\\tin","event_time":"2026-03-01T04:00:00+01:00"}`,
  ];
  const ts = Date.UTC(2026, 2, 1);
  const records: LogRecord[] = payloads.map((p, i) => ({ partition: i % 2, offset: BigInt(10 + i), timestamp: ts, value: Buffer.from(p) }));
  const p = prepareRecords(records);
  assert.deepEqual([...p.kinds], [ROW, DEAD, ROW, DUPLICATE, ROW]);
  assert.equal(p.rows, 3);
  assert.equal(p.lines, 3);
  assert.match(p.dead.get(1)!.reason, /^not JSON/);
  assert.deepEqual(p.dead.get(1)!.payload, Buffer.from('not json'));
  assert.equal(p.dead.get(1)!.size, 8);
  assert.equal(p.dead.get(1)!.sha256.toString('hex'), createHash('sha256').update('not json').digest('hex'));
  assert.equal(idText(p.ids, 3 * 4), uuid(1), 'a duplicate keeps its id for the duplicates table');
  assert.deepEqual(
    p.ranges,
    new Map([
      [0, { min: 10n, max: 14n }],
      [1, { min: 11n, max: 13n }],
    ]),
  );
  assert.deepEqual([...p.timestamps], [ts, ts, ts, ts, ts]);
  const lines = p.copy.toString('utf8').split('\n');
  assert.equal(lines.length, 4);
  assert.equal(lines[0], `0\t10\t${ts}\t${uuid(1)}\t${uuid(99)}\t1.5\tEUR\tok\t2026-03-01 01:10:00.000000\t2026-03-01 00:00:00.000000\t\\N`);
  assert.equal(
    lines[2],
    `0\t14\t${ts}\t${uuid(3)}\t${uuid(4)}\t2\tEUR\ttab\\tin\t2026-03-01 03:00:00.000000\t2026-03-01 00:00:00.000000\t\\N`,
    'the reference path escapes for COPY',
  );
  assert.equal(p.copy.subarray(p.lineStarts[2]!, p.lineEnds[2]!).toString(), `${lines[1]}\n`);
  assert.equal(p.hours[4], Date.UTC(2026, 2, 1, 3) / 3_600_000);
});

test('within a batch the earliest delivery by (timestamp, partition, offset) is the row, whatever the read order', () => {
  const event = (hour: number) =>
    `{"transaction_id":"${uuid(7)}","user_id":"${uuid(8)}","amount":"${hour}","currency":"EUR","status":"ok","event_time":"2026-03-01T0${hour}:00:00Z"}`;
  // Read order: partition 1 first (stamped later), then partition 0 (stamped earlier), then a third delivery.
  const records: LogRecord[] = [
    { partition: 1, offset: 5n, timestamp: 2000, value: Buffer.from(event(1)) },
    { partition: 0, offset: 9n, timestamp: 1000, value: Buffer.from(event(2)) },
    { partition: 2, offset: 1n, timestamp: 1000, value: Buffer.from(event(3)) },
  ];
  const p = prepareRecords(records);
  assert.deepEqual([...p.kinds], [DUPLICATE, ROW, DUPLICATE]);
  assert.equal(p.rows, 1);
  assert.equal(p.lines, 2, "the displaced row's line stays in the buffer");
  assert.equal(p.copy.subarray(p.lineStarts[1]!, p.lineEnds[1]!).toString().split('\t')[5], '2', 'the row is the earliest delivery');
  assert.equal(p.hours[1], Date.UTC(2026, 2, 1, 2) / 3_600_000);
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
  const sink = new BatchPreparer(4); // far below the batch sizes: the arrays and the id table must grow
  const cuts = [0, 1, 50, 130];
  for (let k = 0; k + 1 < cuts.length; k++) {
    const part = records.slice(cuts[k], cuts[k + 1]);
    for (const r of part) sink.add(r.partition, r.offset, r.timestamp, r.value);
    assert.equal(sink.count, part.length);
    const got = sink.cut();
    const whole = prepareRecords(part, new BatchPreparer(1000));
    assert.equal(got.count, part.length);
    assert.equal(got.rows, whole.rows);
    for (const f of ['partitions', 'offsets', 'timestamps', 'kinds', 'lineStarts', 'lineEnds', 'hours', 'ids'] as const) {
      assert.deepEqual([...got[f]], [...whole[f]], f);
    }
    assert.deepEqual(got.copy, whole.copy);
    assert.deepEqual(got.dead, whole.dead);
    assert.deepEqual(got.ranges, whole.ranges);
    assert.equal(sink.count, 0, 'a cut starts the next batch empty');
  }
  const last = prepareRecords(records.slice(50), new BatchPreparer(1000));
  assert.ok(last.rows > 0 && [...last.kinds].includes(DUPLICATE), 'duplicates are found within a batch, not across cuts');
});
