/** The write path's ordering on its own (internals): CommitOrder and BatchPipeline, with scripted writers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { CommitOrder } from '../../src/ingest/commit-order.ts';
import { BatchPipeline, PIPELINE_DEPTH } from '../../src/ingest/pipeline.ts';
import type { BatchOutcome } from '../../src/ingest/write-batch.ts';
import type { WriteRequest } from '../../src/ingest/writer.ts';
import type { PreparedBatch } from '../../src/ingest/prepare-batch.ts';
import type { Writer } from '../../src/warehouse/port.ts';

const outcome = (received: number): BatchOutcome => ({
  received,
  alreadyApplied: 0,
  inserted: received,
  replaced: 0,
  duplicates: 0,
  deadLetters: 0,
  hours: [],
});

test('commit order: n waits for every batch below it; a failure refuses only the later ones', async () => {
  const order = new CommitOrder();
  const events: string[] = [];
  const waits = [1, 2, 3].map((n) => order.committed(n).then(() => events.push(`after ${n - 1}`)));
  await order.committed(0); // nothing below 0
  order.done(0);
  await sleep(1);
  assert.deepEqual(events, ['after 0']);
  assert.throws(() => order.done(2), /out of order/);
  order.done(1);
  await sleep(1);
  assert.deepEqual(events, ['after 0', 'after 1']);
  order.failed(2, new Error('boom'));
  await assert.rejects(waits[2]!, /an earlier batch failed \(boom\)/);
  await assert.rejects(order.committed(7), /earlier batch failed \(boom\)/, 'later batches are refused at once');
  await order.committed(2); // batches 0 and 1 did commit
});

/** A writer whose batches take `delays[seq]` ms and fail where `fail` says. */
function scriptedWriter(delays: number[], fail = new Set<number>()) {
  let inFlight = 0;
  let maxInFlight = 0;
  const writer: Writer<WriteRequest, BatchOutcome> = {
    async write({ seq, batch }) {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await sleep(delays[seq] ?? 1);
      inFlight--;
      if (fail.has(seq)) throw new Error(`batch ${seq} broke`);
      return outcome(batch.count);
    },
    async close() {},
  };
  return { writer, maxInFlight: () => maxInFlight };
}

const logBatch = (count: number, commits: number[], seq: number, failCommit = false) => ({
  batch: { count } as PreparedBatch,
  count,
  commit: async () => {
    commits.push(seq);
    if (failCommit) throw new Error('broker said no');
  },
});

test('the pipeline reports outcomes and commits the log in batch order, with at most depth + 1 batches handed over', async () => {
  // Batch 0 is slow and batch 1 quick: 1 finishes first, but nothing is reported before 0.
  const { writer, maxInFlight } = scriptedWriter([40, 1, 5, 1, 1, 1]);
  const reported: number[] = [];
  const commits: number[] = [];
  const logFailures: string[] = [];
  const pipeline = new BatchPipeline(writer, {
    committed: (o) => reported.push(o.received),
    logCommitFailed: (e) => logFailures.push(e.message),
  });
  for (let seq = 0; seq < 6; seq++) await pipeline.push(logBatch(10 + seq, commits, seq, seq === 3));
  await pipeline.drain();
  assert.deepEqual(reported, [10, 11, 12, 13, 14, 15]);
  assert.deepEqual(commits, [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(logFailures, ['broker said no'], 'a refused log commit is reported and changes nothing else');
  assert.equal(maxInFlight(), PIPELINE_DEPTH + 1);
});

test('after a failed batch nothing later is reported or committed, and push and drain throw', async () => {
  const { writer } = scriptedWriter([5, 1, 1, 1], new Set([1]));
  const reported: number[] = [];
  const commits: number[] = [];
  const pipeline = new BatchPipeline(writer, { committed: (o) => reported.push(o.received), logCommitFailed: () => {} });
  let pushError: unknown;
  try {
    for (let seq = 0; seq < 4; seq++) await pipeline.push(logBatch(seq, commits, seq));
    await sleep(20);
    await pipeline.push(logBatch(9, commits, 9));
  } catch (e) {
    pushError = e;
  }
  assert.match(String(pushError), /batch 1 broke/);
  await assert.rejects(pipeline.drain(), /batch 1 broke/);
  assert.deepEqual(reported, [0], 'only the batch before the failure');
  assert.deepEqual(commits, [0]);
});
