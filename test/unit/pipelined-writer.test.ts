/** PipelinedWriter's ordering on its own, with scripted writes standing in for transactions. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { PipelinedWriter } from '../../src/ingest/batch-writer.ts';
import type { BatchOrder, BatchOutcome } from '../../src/ingest/apply-batch.ts';
import { BatchPreparer, type PreparedBatch } from '../../src/ingest/prepare-batch.ts';
import { idWords } from '../../src/ingest/id-set.ts';

const id = (n: number) => `${n.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`;
function batch(tag: number, ids: number[]): PreparedBatch {
  return new BatchPreparer().prepare(
    ids.map((n, k) => ({
      partition: 0,
      offset: BigInt(tag * 100 + k),
      timestamp: 0,
      value: Buffer.from(
        `{"transaction_id":"${id(n)}","user_id":"${id(n)}","amount":1,"currency":"EUR","status":"ok","event_time":"2026-03-01T00:00:00Z"}`,
      ),
    })),
  );
}
const outcome = (n: number): BatchOutcome => ({ received: n, alreadyApplied: 0, inserted: n, duplicates: 0, deadLetters: 0, hours: [] });

test('two batches at a time; each records its bookkeeping only after the previous one committed', async () => {
  const events: string[] = [];
  let inDb = 0;
  let maxInDb = 0;
  const writer = new PipelinedWriter(async (p, order: BatchOrder) => {
    const tag = Number(p.offsets[0]! / 100n);
    inDb++;
    maxInDb = Math.max(maxInDb, inDb);
    events.push(`copy ${tag}`);
    await sleep(tag === 0 ? 30 : 5); // the first batch is slow: the second's rows go in meanwhile
    await order.predecessor;
    events.push(`commit ${tag}`);
    inDb--;
    return outcome(p.count);
  });
  const results = await Promise.all([0, 1, 2, 3].map((t) => writer.write(batch(t, [t * 10, t * 10 + 1]))));
  await writer.close();
  assert.deepEqual(
    results.map((r) => r.inserted),
    [2, 2, 2, 2],
  );
  assert.equal(maxInDb, 2, 'never more than two batches in the database');
  assert.deepEqual(
    events.filter((e) => e.startsWith('commit')),
    ['commit 0', 'commit 1', 'commit 2', 'commit 3'],
  );
  assert.ok(events.indexOf('copy 1') < events.indexOf('commit 0'), "batch 1's rows go in before batch 0 commits");
});

test("a batch sees the previous batch's ids as pending duplicates", async () => {
  const seen: boolean[] = [];
  const writer = new PipelinedWriter(async (p, order) => {
    const w = new Uint32Array(4);
    idWords(id(7), w, 0);
    seen.push(order.pending?.has(w, 0) ?? false);
    return outcome(p.count);
  });
  await writer.write(batch(0, [7, 8]));
  await writer.write(batch(1, [9]));
  await writer.write(batch(2, [1]));
  assert.deepEqual(seen, [false, true, false]);
});

test('after a failure nothing later commits or even starts', async () => {
  const started: number[] = [];
  const writer = new PipelinedWriter(async (p, order) => {
    const tag = Number(p.offsets[0]! / 100n);
    started.push(tag);
    if (tag === 1) throw Object.assign(new Error('boom'), { code: '22P02' });
    await order.predecessor;
    return outcome(p.count);
  });
  const results = await Promise.allSettled([0, 1, 2, 3].map((t) => writer.write(batch(t, [t]))));
  await writer.close();
  assert.deepEqual(
    results.map((r) => r.status),
    ['fulfilled', 'rejected', 'rejected', 'rejected'],
  );
  assert.match(String((results[2] as PromiseRejectedResult).reason), /earlier batch failed \(boom\)/);
  assert.ok(!started.includes(3), 'batch 3 never started (batch 1 had failed before its turn)');
});
