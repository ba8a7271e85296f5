/** The embedded log (a table in the warehouse): every record once, in order, read off its primary key. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshTarget } from '../support/target.ts';
import { EmbeddedEventLog } from '../../src/log/embedded/embedded-log.ts';
import { collectRecords, type LogRecord } from '../../src/log/port.ts';
import { sql } from '../../src/sql.ts';

test('a freshly filled log is read in batches, every record once and in order, by an ordered index scan', async () => {
  const target = await freshTarget();
  const w = await target.open();
  try {
    const log = new EmbeddedEventLog(w, 'transactions');
    const values = Array.from({ length: 30_000 }, (_, i) => `{"n":${i}}`);
    for (let i = 0; i < values.length; i += 10_000) await log.append(values.slice(i, i + 10_000).map((value) => ({ value })));

    // Never analyzed: the planner has no statistics and guesses a few thousand rows past any offset.
    // The read must still walk the primary key in order rather than collect every row past the
    // position and sort them (which made each batch of a big log read the whole rest of it).
    const plan = await w.transaction(async (tx) => {
      await tx.query(sql('log/read_in_key_order'));
      const rows = await tx.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${sql('log/read')}`, ['transactions', '1000', 5000]);
      return JSON.stringify(rows[0]!['QUERY PLAN']);
    });
    assert.doesNotMatch(plan, /"Node Type": ?"Sort"/, plan);
    assert.match(plan, /"Node Type": ?"Index (Only )?Scan"/, plan);

    const records: LogRecord[] = [];
    const sizes: number[] = [];
    const subscription = log.consume({ group: 'g', maxBatch: 7000, untilIdle: true }, collectRecords());
    for await (const batch of subscription) {
      sizes.push(batch.count);
      records.push(...batch.batch);
    }
    await subscription.close();
    assert.deepEqual(sizes, [7000, 7000, 7000, 7000, 2000]);
    assert.deepEqual(
      records.map((r) => Buffer.from(r.value).toString()),
      values,
    );
    const offsets = records.map((r) => r.offset);
    assert.ok(
      offsets.every((o, i) => i === 0 || o > offsets[i - 1]!),
      'offsets increase',
    );
    assert.ok(records.every((r) => r.partition === 0 && Number.isFinite(r.timestamp)));
  } finally {
    await w.close();
    await target.cleanup();
  }
});
