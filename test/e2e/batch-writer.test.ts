/**
 * The batch writer on both warehouses (PGlite: this thread; PostgreSQL: the write thread): batches are
 * written in order, a database error arrives with its SQLSTATE, and once a batch fails no later batch
 * is written, so no position can step over the failed batch's records.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshTarget } from '../support/target.ts';
import { silentLogger } from '../../src/observe/logger.ts';
import { BatchPreparer, type PreparedBatch } from '../../src/ingest/prepare-batch.ts';
import { FailStopQueue } from '../../src/ingest/batch-writer.ts';
import { openBatchWriter } from '../../src/ingest/write-thread.ts';
import type { LogRecord } from '../../src/log/port.ts';
import type { Warehouse } from '../../src/warehouse/port.ts';

const source = { topic: 'transactions', group: 'writer-test' };

function batch(from: number, count: number): PreparedBatch {
  const records: LogRecord[] = Array.from({ length: count }, (_, k) => {
    const i = from + k;
    const id = `${i.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`;
    const payload = `{"transaction_id":"${id}","user_id":"${id}","amount":"${i}.25","currency":"EUR","status":"ok","event_time":"2026-03-01T0${i % 3}:00:00Z"}`;
    return { partition: 0, offset: BigInt(i), timestamp: Date.UTC(2026, 2, 1, 4), value: Buffer.from(payload) };
  });
  return new BatchPreparer().prepare(records);
}

/** What the database holds: raw rows, duplicates recorded, and the group's position. */
async function holds(warehouse: Warehouse): Promise<{ rows: string; dupes: string; position: string }> {
  const [row] = await warehouse.query<{ rows: string; dupes: string; position: string }>(
    `SELECT (SELECT count(*) FROM transactions)::text AS rows,
            (SELECT count(*) FROM duplicate_events)::text AS dupes,
            (SELECT next_offset FROM consumer_offsets WHERE consumer_group = $1)::text AS position`,
    [source.group],
  );
  return row!;
}

test('writes in order, reports SQLSTATEs, and writes nothing after a failed batch', async () => {
  const target = await freshTarget();
  const warehouse = await target.open();
  const writer = openBatchWriter(warehouse, { source, attempts: 2 }, silentLogger);
  try {
    const [a, b] = await Promise.all([writer.write(batch(0, 300)), writer.write(batch(300, 200))]);
    assert.deepEqual([a.inserted, b.inserted], [300, 200]);
    assert.deepEqual(a.hours, ['2026-03-01 00:00:00', '2026-03-01 01:00:00', '2026-03-01 02:00:00']);

    // A batch whose COPY text the server rejects (not transient: no retry), then a good batch behind it.
    const broken = batch(500, 10);
    broken.copy = Buffer.from(broken.copy.toString('latin1').replace('.25\t', '.25x\t'), 'latin1');
    const failing = writer.write(broken);
    const after = writer.write(batch(510, 10));
    await assert.rejects(failing, (err: Error & { code?: string }) => err.code === '22P02' && /numeric/.test(err.message));
    await assert.rejects(after, /earlier batch failed/);

    const { rows, position } = await holds(warehouse);
    assert.equal(rows, '500', 'only the two good batches before the failure');
    assert.equal(position, '500', 'the position stops before the failed batch');
  } finally {
    await writer.close();
    await warehouse.close();
    await target.cleanup();
  }
});

test('a redelivered batch and an id the writer cannot know take the careful way, exactly once', async () => {
  const target = await freshTarget();
  const warehouse = await target.open();
  let writer = openBatchWriter(warehouse, { source, attempts: 2 }, silentLogger);
  try {
    await writer.write(batch(0, 100));
    // Offsets 50-149 arrive after 0-99 was applied (a redelivery after a rebalance): 50 are skipped.
    const redelivered = await writer.write(batch(50, 100));
    assert.deepEqual([redelivered.received, redelivered.alreadyApplied, redelivered.inserted, redelivered.duplicates], [100, 50, 50, 0]);
    // A new writer (a restarted process: empty recent-id cache) meets ids already stored, at new offsets.
    await writer.close();
    writer = openBatchWriter(warehouse, { source, attempts: 2 }, silentLogger);
    const again = batch(140, 20); // ids 140-159: 140-149 stored, 150-159 new
    again.offsets.set(again.offsets.map((o) => o + 1000n));
    again.ranges.set(0, { min: 1140n, max: 1159n });
    const outcome = await writer.write(again);
    assert.deepEqual([outcome.alreadyApplied, outcome.inserted, outcome.duplicates], [0, 10, 10]);

    assert.deepEqual(await holds(warehouse), { rows: '160', dupes: '10', position: '1160' });
  } finally {
    await writer.close();
    await warehouse.close();
    await target.cleanup();
  }
});

test('batches written back to back, the second repeating ids of the first, count each id once', async () => {
  const target = await freshTarget();
  const warehouse = await target.open();
  const writer = openBatchWriter(warehouse, { source, attempts: 2 }, silentLogger);
  try {
    const second = batch(50, 100); // ids 50-149 ...
    second.offsets.set(second.offsets.map((o) => o + 50n)); // ... at offsets 100-199
    second.ranges.set(0, { min: 100n, max: 199n });
    const [a, b] = await Promise.all([writer.write(batch(0, 100)), writer.write(second), writer.write(batch(1000, 10))]);
    assert.deepEqual([a.inserted, a.duplicates], [100, 0]);
    assert.deepEqual([b.inserted, b.duplicates, b.alreadyApplied], [50, 50, 0]);
    assert.deepEqual(await holds(warehouse), { rows: '160', dupes: '50', position: '1010' });
  } finally {
    await writer.close();
    await warehouse.close();
    await target.cleanup();
  }
});

test('a fail-stop queue runs jobs in order and none after a failure', async () => {
  const q = new FailStopQueue();
  const ran: number[] = [];
  const job =
    (n: number, fail = false) =>
    () =>
      new Promise<number>((resolve, reject) =>
        setTimeout(() => {
          ran.push(n);
          if (fail) reject(new Error(`job ${n}`));
          else resolve(n);
        }, 5 - n),
      );
  const results = await Promise.allSettled([q.run(job(1)), q.run(job(2, true)), q.run(job(3))]);
  assert.deepEqual(ran, [1, 2]);
  assert.deepEqual(
    results.map((r) => r.status),
    ['fulfilled', 'rejected', 'rejected'],
  );
  await q.idle();
});
