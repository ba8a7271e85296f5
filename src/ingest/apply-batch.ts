/**
 * Applies one batch of log records to the warehouse, inside the caller's transaction:
 * every record ends as a raw row, a dead letter or a counted duplicate, and the consumer position
 * advances in the same transaction. Records below the stored position were applied before: skipped,
 * so a redelivered batch changes nothing.
 */
import { sql } from '../sql.ts';
import type { Tx } from '../warehouse/port.ts';
import type { LogRecord } from '../log/port.ts';
import { validateEvent, type RawRow, type Validation } from '../events/event.ts';
import { hourOf } from '../events/timestamp.ts';
import { storableText } from '../warehouse/storable-text.ts';
import { isUniqueViolation } from '../warehouse/transient.ts';
import type { RecentIds } from './recent-ids.ts';

export interface BatchOutcome {
  /** Records handed in. */
  received: number;
  /** Records below the stored position: applied by an earlier delivery, skipped. */
  alreadyApplied: number;
  /** New raw rows. */
  inserted: number;
  /** Records whose transaction_id was already stored (or earlier in the same batch). */
  duplicates: number;
  /** Records that are not valid events. */
  deadLetters: number;
  /** Event hours that received rows (UTC, `YYYY-MM-DD HH:00:00`). */
  hours: string[];
  /** The transaction_ids inserted (for the recent-id cache, once committed). */
  insertedIds?: string[];
}

export const RAW_COLUMNS = [
  'transaction_id',
  'user_id',
  'amount',
  'currency',
  'status',
  'event_time',
  'processing_time',
] as const;

interface Source {
  topic: string;
  group: string;
}

interface Positioned {
  partition: number;
  offset: bigint;
}

function emptyOutcome(): BatchOutcome {
  return { received: 0, alreadyApplied: 0, inserted: 0, duplicates: 0, deadLetters: 0, hours: [] };
}

/** A batch validated ahead of its transaction (pure CPU work, done while the previous batch is written). */
export interface PreparedBatch {
  records: readonly LogRecord[];
  validations: readonly Validation[];
}

export function prepareBatch(records: readonly LogRecord[]): PreparedBatch {
  return { records, validations: records.map((r) => validateEvent(r.value, r.timestamp)) };
}

/**
 * Writes a prepared batch in three statements inside the caller's transaction: lock the positions; COPY
 * the new rows straight into `transactions` behind a savepoint (PGlite: one INSERT … SELECT); record
 * hours, dead letters, duplicates and positions. The COPY is optimistic: ids this process inserted recently are known duplicates; if the
 * primary key still rejects the COPY (an older id, or another process's), the batch rolls back to a
 * savepoint, looks its ids up, and COPYs the rest.
 */
export async function writeBatch(tx: Tx, source: Source, prepared: PreparedBatch, recent?: RecentIds): Promise<BatchOutcome> {
  const { records, validations } = prepared;
  const outcome = emptyOutcome();
  outcome.received = records.length;
  if (records.length === 0) return outcome;

  const next = await lockPositions(tx, source, records);
  const dead: { at: LogRecord; reason: string }[] = [];
  const dupes: { at: Positioned; id: string }[] = [];
  let candidates: { at: LogRecord; row: RawRow }[] = [];
  const seen = new Set<string>();
  const fresh: LogRecord[] = [];
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    if (record.offset < (next.get(record.partition) ?? 0n)) continue; // applied by an earlier delivery
    fresh.push(record);
    const v = validations[i]!;
    if (!v.ok) dead.push({ at: record, reason: v.reason });
    else if (seen.has(v.row.transaction_id) || recent?.has(v.row.transaction_id)) dupes.push({ at: record, id: v.row.transaction_id });
    else {
      seen.add(v.row.transaction_id);
      candidates.push({ at: record, row: v.row });
    }
  }
  outcome.alreadyApplied = records.length - fresh.length;
  if (fresh.length === 0) return outcome;

  if (candidates.length > 0) {
    await tx.exec('SAVEPOINT txpipe_copy');
    try {
      await tx.load('transactions', RAW_COLUMNS, candidates.map((c) => RAW_COLUMNS.map((col) => c.row[col])));
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      await tx.exec('ROLLBACK TO SAVEPOINT txpipe_copy');
      const ids = candidates.map((c) => c.row.transaction_id);
      const existing = new Set((await tx.query<{ transaction_id: string }>(sql('ingest/existing_ids'), [ids])).map((r) => r.transaction_id));
      for (const c of candidates) if (existing.has(c.row.transaction_id)) dupes.push({ at: c.at, id: c.row.transaction_id });
      candidates = candidates.filter((c) => !existing.has(c.row.transaction_id));
      await tx.load('transactions', RAW_COLUMNS, candidates.map((c) => RAW_COLUMNS.map((col) => c.row[col])));
    }
    outcome.insertedIds = candidates.map((c) => c.row.transaction_id);
    outcome.inserted = candidates.length;
    outcome.hours = [...new Set(candidates.map((c) => hourOf(c.row.event_time)))].sort();
  }
  outcome.deadLetters = dead.length;
  outcome.duplicates = dupes.length;

  const positions = new Map<number, bigint>();
  for (const r of fresh) if (r.offset + 1n > (positions.get(r.partition) ?? -1n)) positions.set(r.partition, r.offset + 1n);
  await tx.query(sql('ingest/bookkeeping'), [
    source.topic,
    source.group,
    outcome.hours,
    dead.map((d) => d.at.partition),
    dead.map((d) => d.at.offset.toString()),
    dead.map((d) => storableText(d.at.value)),
    dead.map((d) => d.reason),
    dupes.map((d) => d.at.partition),
    dupes.map((d) => d.at.offset.toString()),
    dupes.map((d) => d.id),
    [...positions.keys()],
    [...positions.values()].map(String),
  ]);
  return outcome;
}

/** Locks the batch's partitions' positions and returns them: records below them were applied before. */
async function lockPositions(tx: Tx, source: Source, records: readonly LogRecord[]): Promise<Map<number, bigint>> {
  const partitions = [...new Set(records.map((r) => r.partition))];
  const rows = await tx.query<{ partition: number; next_offset: string }>(sql('ingest/lock_positions'), [
    source.group,
    source.topic,
    partitions,
  ]);
  return new Map(rows.map((r) => [r.partition, BigInt(r.next_offset)]));
}
