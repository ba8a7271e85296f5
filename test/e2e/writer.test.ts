/**
 * The ingest's writer on both warehouses (PGlite: this thread; PostgreSQL: its own thread): batches are
 * written in order, a database error arrives with its SQLSTATE, once a batch fails no later batch is
 * written, and the earliest delivery of each transaction_id wins whatever order the batches come in.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshTarget } from '../support/target.ts';
import { eventJson, prepareRecords, uuidOf } from '../support/prepare.ts';
import { openIngestWriter } from '../../src/ingest/open-writer.ts';
import type { PreparedBatch } from '../../src/ingest/prepare-batch.ts';
import type { LogRecord } from '../../src/log/port.ts';
import type { Warehouse } from '../../src/warehouse/port.ts';

const consumer = { topic: 'transactions', group: 'writer-test' };
const T0 = Date.UTC(2026, 2, 1, 4);

/** Events for ids from..from+count-1 at offsets from.., in hours 0-2 of 2026-03-01, partition 0. */
function batch(from: number, count: number, offsetShift = 0): PreparedBatch {
  const records: LogRecord[] = Array.from({ length: count }, (_, k) => {
    const i = from + k;
    return { partition: 0, offset: BigInt(i + offsetShift), timestamp: T0 + i + offsetShift, value: Buffer.from(eventJson(i, i % 3)) };
  });
  return prepareRecords(records);
}

/** What the database holds: raw rows, duplicates recorded, and the group's position per partition. */
async function holds(warehouse: Warehouse): Promise<{ rows: string; dupes: string; position: string }> {
  const [row] = await warehouse.query<{ rows: string; dupes: string; position: string }>(
    `SELECT (SELECT count(*) FROM transactions)::text AS rows,
            (SELECT count(*) FROM duplicate_events)::text AS dupes,
            (SELECT string_agg(partition || ':' || next_offset, ',' ORDER BY partition) FROM consumer_offsets WHERE consumer_group = $1) AS position`,
    [consumer.group],
  );
  return row!;
}

async function withWriter(fn: (warehouse: Warehouse, open: () => ReturnType<typeof openIngestWriter>) => Promise<void>) {
  const target = await freshTarget();
  const warehouse = await target.open();
  try {
    await fn(warehouse, () => openIngestWriter(warehouse, consumer, () => {}, 2));
  } finally {
    await warehouse.close();
    await target.cleanup();
  }
}

test('writes in order, reports SQLSTATEs, and writes nothing after a failed batch', async () => {
  await withWriter(async (warehouse, open) => {
    const writer = await open();
    try {
      const [a, b] = await Promise.all([writer.write({ seq: 0, batch: batch(0, 300) }), writer.write({ seq: 1, batch: batch(300, 200) })]);
      assert.deepEqual([a.inserted, b.inserted], [300, 200]);
      assert.deepEqual(a.hours, ['2026-03-01 00:00:00', '2026-03-01 01:00:00', '2026-03-01 02:00:00']);

      // A batch whose COPY text the server rejects (not a conflict: no retry), then a good batch behind it.
      const broken = batch(500, 10);
      broken.copy = Buffer.from(broken.copy.toString('latin1').replace('.25\t', '.25x\t'), 'latin1');
      const failing = writer.write({ seq: 2, batch: broken });
      const after = writer.write({ seq: 3, batch: batch(510, 10) });
      await assert.rejects(failing, (err: Error & { code?: string }) => err.code === '22P02' && /numeric/.test(err.message));
      await assert.rejects(after, /earlier batch failed/);

      assert.deepEqual(await holds(warehouse), { rows: '500', dupes: '0', position: '0:500' }, 'the position stops before the failed batch');
    } finally {
      await writer.close();
    }
  });
});

test('a redelivered batch and an id the writer cannot know take the careful way, exactly once', async () => {
  await withWriter(async (warehouse, open) => {
    let writer = await open();
    try {
      await writer.write({ seq: 0, batch: batch(0, 100) });
      // Offsets 50-149 arrive after 0-99 was applied (a redelivery after a rebalance): 50 are skipped.
      const redelivered = await writer.write({ seq: 1, batch: batch(50, 100) });
      assert.deepEqual([redelivered.received, redelivered.alreadyApplied, redelivered.inserted, redelivered.duplicates], [100, 50, 50, 0]);
      // A new writer (a restarted process: nothing remembered) meets ids already stored, at new, later offsets.
      await writer.close();
      writer = await open();
      const again = await writer.write({ seq: 0, batch: batch(140, 20, 1000) }); // ids 140-159: 140-149 stored
      assert.deepEqual([again.alreadyApplied, again.inserted, again.duplicates, again.replaced], [0, 10, 10, 0]);
      assert.deepEqual(await holds(warehouse), { rows: '160', dupes: '10', position: '0:1160' });
    } finally {
      await writer.close();
    }
  });
});

test('batches written back to back, the second repeating ids of the first, count each id once', async () => {
  await withWriter(async (warehouse, open) => {
    const writer = await open();
    try {
      const [a, b] = await Promise.all([
        writer.write({ seq: 0, batch: batch(0, 100) }),
        writer.write({ seq: 1, batch: batch(50, 100, 50) }), // ids 50-149 at offsets 100-199, stamped later
        writer.write({ seq: 2, batch: batch(1000, 10) }),
      ]);
      assert.deepEqual([a.inserted, a.duplicates], [100, 0]);
      assert.deepEqual([b.inserted, b.duplicates, b.alreadyApplied], [50, 50, 0]);
      assert.deepEqual(await holds(warehouse), { rows: '160', dupes: '50', position: '0:1010' });
    } finally {
      await writer.close();
    }
  });
});

/** Deliveries of ids 0..9 on two partitions: partition 1 holds resends stamped before the originals on partition 0 for even ids. */
function crossPartition(): { p0: LogRecord[]; p1: LogRecord[] } {
  const p0: LogRecord[] = [];
  const p1: LogRecord[] = [];
  for (let i = 0; i < 10; i++) {
    p0.push({ partition: 0, offset: BigInt(i), timestamp: T0 + 100 + i, value: Buffer.from(eventJson(i, 1, `${i}.5`)) });
    // Even ids: the resend on partition 1 is stamped earlier (it wins); odd ids: later (it loses). Another hour and amount.
    const stamp = i % 2 === 0 ? T0 + i : T0 + 1000 + i;
    p1.push({ partition: 1, offset: BigInt(i), timestamp: stamp, value: Buffer.from(eventJson(i, 2, `${i}.99`)) });
  }
  return { p0, p1 };
}

async function tables(w: Warehouse) {
  const raw = await w.query<{ id: string; amount: string; hour: string; pos: string }>(
    `SELECT transaction_id::text AS id, amount::text AS amount, date_trunc('hour', event_time)::text AS hour, log_partition || ':' || log_offset AS pos
     FROM transactions ORDER BY transaction_id`,
  );
  const dupes = await w.query<{ pos: string; id: string }>(
    `SELECT partition || ':' || "offset" AS pos, transaction_id::text AS id FROM duplicate_events ORDER BY partition, "offset"`,
  );
  const ranges = await w.query<{ p: number; first: string; next: string }>(
    `SELECT log_partition AS p, min(first_offset)::text AS first, max(next_offset)::text AS next FROM changed_ranges GROUP BY 1 ORDER BY 1`,
  );
  return { raw, dupes, ranges };
}

test('the earliest delivery wins whatever partition is read first; a displaced row becomes the duplicate', async () => {
  const { p0, p1 } = crossPartition();
  const results = [];
  // Order A: partition 0 first, then partition 1 (earlier-stamped resends displace stored rows).
  // Order B: partition 1 first (in a new writer each time, so nothing is remembered), then partition 0.
  // Order C: both partitions interleaved in one batch.
  const orders: LogRecord[][][] = [[p0, p1], [p1, p0], [p0.flatMap((r, i) => [r, p1[i]!])]];
  for (const order of orders) {
    let result: Awaited<ReturnType<typeof tables>> | undefined;
    await withWriter(async (warehouse, open) => {
      for (const records of order) {
        const writer = await open();
        try {
          await writer.write({ seq: 0, batch: prepareRecords(records) });
        } finally {
          await writer.close();
        }
      }
      result = await tables(warehouse);
    });
    results.push(result!);
  }
  const expectedRaw = Array.from({ length: 10 }, (_, i) =>
    i % 2 === 0
      ? { id: uuidOf(i), amount: `${i}.99`, hour: '2026-03-01 02:00:00', pos: `1:${i}` }
      : { id: uuidOf(i), amount: `${i}.5`, hour: '2026-03-01 01:00:00', pos: `0:${i}` },
  ).sort((a, b) => a.id.localeCompare(b.id));
  const expectedDupes = Array.from({ length: 10 }, (_, i) =>
    i % 2 === 0 ? { pos: `0:${i}`, id: uuidOf(i) } : { pos: `1:${i}`, id: uuidOf(i) },
  ).sort((a, b) => a.pos.localeCompare(b.pos, 'en', { numeric: true }));
  for (const r of results) {
    assert.deepEqual(r.raw, expectedRaw);
    assert.deepEqual(r.dupes, expectedDupes);
    assert.deepEqual(
      r.ranges,
      [
        { p: 0, first: '0', next: '10' },
        { p: 1, first: '0', next: '10' },
      ],
      'the log ranges stored are queued for run_transformations (which replaces the clean rows of displaced ids)',
    );
  }
});

test('a displacing delivery in the batch after the stored one, in the same writer, still wins', async () => {
  const { p0, p1 } = crossPartition();
  await withWriter(async (warehouse, open) => {
    const writer = await open();
    try {
      // Back to back: batch 1 meets batch 0's ids while batch 0 may still be committing.
      const [a, b] = await Promise.all([writer.write({ seq: 0, batch: prepareRecords(p0) }), writer.write({ seq: 1, batch: prepareRecords(p1) })]);
      assert.deepEqual([a.inserted, a.duplicates, a.replaced], [10, 0, 0]);
      assert.deepEqual([b.inserted, b.duplicates, b.replaced], [5, 10, 5], 'five resends lose, five displace a stored row');
      // Deliveries already decided are remembered: a third, later copy of every id is a duplicate without asking the database.
      const later = p1.map((r) => ({ ...r, partition: 2, timestamp: T0 + 10_000 }));
      const c = await writer.write({ seq: 2, batch: prepareRecords(later) });
      assert.deepEqual([c.inserted, c.duplicates], [0, 10]);
      const t = await tables(warehouse);
      assert.equal(t.raw.length, 10);
      assert.equal(t.dupes.length, 20);
      assert.deepEqual(
        t.raw.filter((r) => r.pos.startsWith('1:')).map((r) => r.id),
        [0, 2, 4, 6, 8].map(uuidOf).sort(),
      );
    } finally {
      await writer.close();
    }
  });
});
