/**
 * Applies one prepared batch to the warehouse, inside the caller's transaction: every record ends as a
 * raw row, a dead letter or a counted duplicate, and the consumer position advances in the same
 * transaction. Records below the stored position were applied before: skipped, so a redelivered
 * batch changes nothing.
 */
import { sql } from '../sql.ts';
import type { Tx } from '../warehouse/port.ts';
import { hourOfEpochHour } from '../events/timestamp.ts';
import { storableText } from '../warehouse/storable-text.ts';
import { idText, type IdTable, type RecentIds } from './id-set.ts';
import { DEAD, DUPLICATE, RAW_COLUMNS, ROW, type PreparedBatch } from './prepare-batch.ts';

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
  /** The transaction_ids inserted, 4 words each (for the recent-id cache, once committed). */
  insertedIds?: Uint32Array;
}

export interface Source {
  topic: string;
  group: string;
}

function emptyOutcome(): BatchOutcome {
  return { received: 0, alreadyApplied: 0, inserted: 0, duplicates: 0, deadLetters: 0, hours: [] };
}

/**
 * Where a batch stands among batches written concurrently (on PostgreSQL, two at a time): `predecessor`
 * settles once the previous batch has committed (it rejects if that batch failed), and `pending` holds
 * the previous batch's transaction_ids, duplicates here even before that commit.
 */
export interface BatchOrder {
  predecessor: Promise<void>;
  pending?: IdTable;
}

/** The optimistic write found part of its batch applied before (a redelivery): redo it carefully. */
export class StaleBatchError extends Error {
  constructor() {
    super('part of the batch was applied before (redelivery): redoing it with the stored positions');
  }
}

/**
 * Writes a prepared batch inside the caller's transaction.
 *
 * Optimistic (the first attempt): COPY the rows straight into `transactions`, then one statement records
 * hours, dead letters and duplicates and advances the positions, but only where the stored position
 * has not passed the batch: two statements, four round trips with BEGIN and COMMIT. Ids this process
 * inserted recently are known duplicates. If the primary key rejects the COPY (an older id, another
 * process's) or a position had moved past the batch (StaleBatchError), the transaction rolls back and
 * the caller redoes the batch carefully.
 *
 * Careful: lock and read the positions first and skip what lies below them, look the ids up, then COPY
 * the rest and record the same bookkeeping.
 */
export async function writeBatch(
  tx: Tx,
  source: Source,
  p: PreparedBatch,
  recent?: RecentIds,
  careful = false,
  order?: BatchOrder,
): Promise<BatchOutcome> {
  const outcome = emptyOutcome();
  outcome.received = p.count;
  if (p.count === 0) return outcome;

  const next = careful ? await lockPositions(tx, source, [...p.ranges.keys()]) : new Map<number, bigint>();
  const stale = careful && [...p.ranges].some(([partition, r]) => r.min < (next.get(partition) ?? 0n));
  const isFresh = (i: number) => !stale || p.offsets[i]! >= (next.get(p.partitions[i]!) ?? 0n);

  let included: number[] = [];
  const dead: number[] = [];
  const dupes: number[] = [];
  for (let i = 0; i < p.count; i++) {
    if (!isFresh(i)) {
      outcome.alreadyApplied++;
      continue;
    }
    const kind = p.kinds[i];
    if (kind === DEAD) dead.push(i);
    else if (kind === DUPLICATE || (kind === ROW && (recent?.has(p.ids, i * 4) || order?.pending?.has(p.ids, i * 4)))) dupes.push(i);
    else included.push(i);
  }
  if (outcome.alreadyApplied === p.count) return outcome;

  if (careful && included.length > 0) {
    const ids = included.map((i) => idText(p.ids, i * 4));
    const existing = new Set((await tx.query<{ transaction_id: string }>(sql('ingest/existing_ids'), [ids])).map((r) => r.transaction_id));
    const kept: number[] = [];
    for (let k = 0; k < included.length; k++) (existing.has(ids[k]!) ? dupes : kept).push(included[k]!);
    included = kept;
  }
  if (included.length > 0) {
    await tx.copyIn('transactions', RAW_COLUMNS, included.length === p.rows ? p.copy : linesOf(p, included));
    const insertedIds = new Uint32Array(included.length * 4);
    const hours = new Set<number>();
    for (let k = 0; k < included.length; k++) {
      const i = included[k]!;
      for (let j = 0; j < 4; j++) insertedIds[k * 4 + j] = p.ids[i * 4 + j]!;
      hours.add(p.hours[i]!);
    }
    outcome.insertedIds = insertedIds;
    outcome.inserted = included.length;
    outcome.hours = [...hours].sort((a, b) => a - b).map(hourOfEpochHour);
  }
  outcome.deadLetters = dead.length;
  outcome.duplicates = dupes.length;
  dupes.sort((a, b) => a - b);

  // Rows may go in while the previous batch commits; positions and bookkeeping only after it has.
  if (order) await order.predecessor;

  // A partition with any fresh record has its highest offset fresh too. A position advances only where
  // the stored one has not passed the batch's first fresh offset: in the careful write that holds by
  // construction (its positions are locked and were read), in the optimistic one it is the check.
  const positions = [...p.ranges].filter(([partition, r]) => r.max >= (next.get(partition) ?? 0n));
  const advanced = await tx.query(sql('ingest/bookkeeping'), [
    source.topic,
    source.group,
    outcome.hours,
    dead.map((i) => p.partitions[i]),
    dead.map((i) => p.offsets[i]!.toString()),
    dead.map((i) => storableText(p.dead.get(i)!.payload)),
    dead.map((i) => p.dead.get(i)!.reason),
    dupes.map((i) => p.partitions[i]),
    dupes.map((i) => p.offsets[i]!.toString()),
    dupes.map((i) => idText(p.ids, i * 4)),
    positions.map(([partition]) => partition),
    positions.map(([partition, r]) => (careful ? (next.get(partition) ?? 0n) : r.min).toString()),
    positions.map(([, r]) => (r.max + 1n).toString()),
  ]);
  if (advanced.length !== positions.length) throw new StaleBatchError();
  return outcome;
}

/** The COPY lines of some ROW records (in order), as views of the batch's buffer: contiguous lines as one run. */
function linesOf(p: PreparedBatch, rows: readonly number[]): Buffer[] {
  const parts: Buffer[] = [];
  let k = 0;
  while (k < rows.length) {
    const from = p.lineStarts[rows[k]!]!;
    let to = p.lineEnds[rows[k]!]!;
    while (k + 1 < rows.length && p.lineStarts[rows[k + 1]!] === to) to = p.lineEnds[rows[++k]!]!;
    parts.push(p.copy.subarray(from, to));
    k++;
  }
  return parts;
}

/** Locks the batch's partitions' positions and returns them: records below them were applied before. */
async function lockPositions(tx: Tx, source: Source, partitions: number[]): Promise<Map<number, bigint>> {
  const rows = await tx.query<{ partition: number; next_offset: string }>(sql('ingest/lock_positions'), [source.group, source.topic, partitions]);
  return new Map(rows.map((r) => [r.partition, BigInt(r.next_offset)]));
}
