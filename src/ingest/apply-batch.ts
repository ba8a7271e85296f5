/**
 * Applies one batch of log records to the warehouse, inside the caller's transaction:
 * every record ends as a raw row, a dead letter or a counted duplicate, and the consumer position
 * advances in the same transaction. Records below the stored position were applied before: skipped,
 * so a redelivered batch changes nothing.
 */
import { sql } from '../sql.ts';
import type { Tx } from '../warehouse/port.ts';
import type { LogRecord } from '../log/port.ts';
import { validateEvent, type RawRow } from '../events/event.ts';
import { hourOf } from '../events/timestamp.ts';
import { storableText } from '../warehouse/storable-text.ts';

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

export function emptyOutcome(): BatchOutcome {
  return { received: 0, alreadyApplied: 0, inserted: 0, duplicates: 0, deadLetters: 0, hours: [] };
}

export async function applyBatch(tx: Tx, source: Source, records: readonly LogRecord[]): Promise<BatchOutcome> {
  const outcome = emptyOutcome();
  outcome.received = records.length;
  if (records.length === 0) return outcome;

  const fresh = await skipApplied(tx, source, records);
  outcome.alreadyApplied = records.length - fresh.length;
  if (fresh.length === 0) return outcome;

  const dead: { at: LogRecord; reason: string }[] = [];
  const dupes: { at: Positioned; id: string }[] = [];
  const candidates: { at: LogRecord; row: RawRow }[] = [];
  const seen = new Set<string>();
  for (const record of fresh) {
    const v = validateEvent(record.value, record.timestamp);
    if (!v.ok) dead.push({ at: record, reason: v.reason });
    else if (seen.has(v.row.transaction_id)) dupes.push({ at: record, id: v.row.transaction_id });
    else {
      seen.add(v.row.transaction_id);
      candidates.push({ at: record, row: v.row });
    }
  }

  if (candidates.length > 0) {
    await tx.load(
      'ingest_staging',
      RAW_COLUMNS,
      candidates.map(({ row }) => RAW_COLUMNS.map((c) => row[c])),
    );
    const inserted = new Set(
      (await tx.query<{ transaction_id: string }>(sql('ingest/insert_raw'))).map((r) => r.transaction_id),
    );
    const hours = new Set<string>();
    for (const c of candidates) {
      if (inserted.has(c.row.transaction_id)) hours.add(hourOf(c.row.event_time));
      else dupes.push({ at: c.at, id: c.row.transaction_id });
    }
    outcome.inserted = inserted.size;
    outcome.hours = [...hours].sort();
    if (hours.size > 0) await tx.query(sql('ingest/record_changed_hours'), [outcome.hours]);
  }

  if (dead.length > 0) {
    await tx.query(sql('ingest/insert_dead_letters'), [
      source.topic,
      dead.map((d) => d.at.partition),
      dead.map((d) => d.at.offset.toString()),
      dead.map((d) => storableText(d.at.value)),
      dead.map((d) => d.reason),
    ]);
  }
  if (dupes.length > 0) {
    await tx.query(sql('ingest/insert_duplicates'), [
      source.topic,
      dupes.map((d) => d.at.partition),
      dupes.map((d) => d.at.offset.toString()),
      dupes.map((d) => d.id),
    ]);
  }
  outcome.deadLetters = dead.length;
  outcome.duplicates = dupes.length;

  await advancePositions(tx, source, fresh);
  return outcome;
}

/** Locks the batch's partitions' positions and drops records below them. */
async function skipApplied(tx: Tx, source: Source, records: readonly LogRecord[]): Promise<LogRecord[]> {
  const partitions = [...new Set(records.map((r) => r.partition))];
  await tx.query(sql('ingest/ensure_positions'), [source.group, source.topic, partitions]);
  const rows = await tx.query<{ partition: number; next_offset: string }>(sql('ingest/lock_positions'), [
    source.group,
    source.topic,
    partitions,
  ]);
  const next = new Map(rows.map((r) => [r.partition, BigInt(r.next_offset)]));
  return records.filter((r) => r.offset >= (next.get(r.partition) ?? 0n));
}

async function advancePositions(tx: Tx, source: Source, records: readonly LogRecord[]): Promise<void> {
  const next = new Map<number, bigint>();
  for (const r of records) {
    const n = r.offset + 1n;
    if (n > (next.get(r.partition) ?? -1n)) next.set(r.partition, n);
  }
  await tx.query(sql('ingest/advance_positions'), [
    source.group,
    source.topic,
    [...next.keys()],
    [...next.values()].map(String),
  ]);
}
