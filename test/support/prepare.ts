/** Prepared batches for tests of the write path: records added one by one and cut, as a log does. */
import type { LogRecord } from '../../src/log/port.ts';
import { BatchPreparer, type PreparedBatch } from '../../src/ingest/prepare-batch.ts';

export function prepareRecords(records: readonly LogRecord[], preparer = new BatchPreparer()): PreparedBatch {
  for (const r of records) preparer.add(r.partition, r.offset, r.timestamp, r.value);
  return preparer.cut();
}

/** A UUID made from a number, so tests can name ids 0, 1, 2, … */
export const uuidOf = (n: number) => `${n.toString(16).padStart(8, '0')}-0000-4000-8000-${(n * 7919).toString(16).padStart(12, '0')}`;

/** A valid event's JSON for id n in the given UTC hour of 2026-03-01, with an amount of its own. */
export function eventJson(n: number, hour = 0, amount = `${n}.25`): string {
  const h = String(hour).padStart(2, '0');
  return `{"transaction_id":"${uuidOf(n)}","user_id":"${uuidOf(n + 1_000_000)}","amount":"${amount}","currency":"EUR","status":"ok","event_time":"2026-03-01T${h}:10:00Z"}`;
}
