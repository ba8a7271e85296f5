/**
 * Writes one prepared batch in one transaction: every record ends as a raw row, a dead letter or a
 * counted duplicate, and the consumer positions advance in the same transaction. Two ways:
 *
 * - optimistic (first): COPY the rows, then one statement records the stored ranges, dead letters, duplicates
 *   and advances each position only where the stored one has not passed the batch: four round trips
 *   with BEGIN and COMMIT. Deliveries of ids this process stored recently (or that the batch before,
 *   still committing, holds) are settled from memory. It gives up (NeedsCarefulWrite, or the primary key
 *   rejecting the COPY) on a redelivery, an id it cannot know, or a delivery that sorts before a stored
 *   one; the transaction then rolls back and the batch is redone the careful way.
 * - careful: once every earlier batch has committed, lock and read the positions and skip what lies
 *   below them, lock the stored rows of the batch's ids and compare each delivery with them by
 *   delivery-order.ts (an earlier-sorting one displaces the stored row, which becomes the duplicate),
 *   then COPY and record the same bookkeeping.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { hourOfEpochHour } from '../events/timestamp.ts';
import type { ConsumerKey } from '../warehouse/consumer-offsets.ts';
import type { Tx, Warehouse } from '../warehouse/port.ts';
import { isConflict } from '../warehouse/transient.ts';
import { compareDeliveries, LOSES, UNKNOWN, WINS, type Verdict } from './delivery-order.ts';
import { ABSENT, idText, type IdTable, type RecentIds } from './id-set.ts';
import { DEAD, DUPLICATE, RAW_COLUMNS, type PreparedBatch } from './prepare-batch.ts';
import { lockPositions } from './sql/lock-positions.ts';
import { recordBookkeeping, type DuplicateRow } from './sql/record-bookkeeping.ts';
import { deleteDisplaced, lockStoredWinners } from './sql/stored-winners.ts';

export interface BatchOutcome {
  /** Records handed in. */
  received: number;
  /** Records below the stored position: applied by an earlier delivery, skipped. */
  alreadyApplied: number;
  /** New raw rows (replacements included). */
  inserted: number;
  /** Stored rows displaced by an earlier-sorting delivery of their id (each also counted in `duplicates`). */
  replaced: number;
  /** Deliveries that lost to an earlier one of their id: new ones, and displaced stored rows. */
  duplicates: number;
  /** Records that are not valid events. */
  deadLetters: number;
  /** Event hours that received or lost rows (UTC, `YYYY-MM-DD HH:00:00`). */
  hours: string[];
}

/** What a write did, for the writer: the outcome, and which records became rows (to remember once committed). */
export interface Written {
  outcome: BatchOutcome;
  stored: number[];
}

export interface WriteContext {
  consumer: ConsumerKey;
  /** Winners this process committed recently. */
  recent: RecentIds;
  /** The batch before this one while it may still be committing (its rows are not visible yet), with its ROW ids → record index. */
  previous?: { batch: PreparedBatch; rows: IdTable };
  /** Resolves once every earlier batch has committed; rejects once one of them failed. */
  predecessor: () => Promise<void>;
}

/** The optimistic write cannot settle the batch: it rolls back and the batch takes the careful way. */
export class NeedsCarefulWrite extends Error {
  override name = 'NeedsCarefulWrite';
}

function emptyOutcome(received: number): BatchOutcome {
  return { received, alreadyApplied: 0, inserted: 0, replaced: 0, duplicates: 0, deadLetters: 0, hours: [] };
}

/** How record i compares with the winners known without asking the database. */
function knownVerdict(p: PreparedBatch, i: number, ctx: WriteContext): Verdict {
  const ts = p.timestamps[i]!;
  const partition = p.partitions[i]!;
  const offset = p.offsets[i]!;
  const verdict = ctx.recent.versus(p.ids, i * 4, ts, partition, offset);
  if (verdict !== UNKNOWN || ctx.previous === undefined) return verdict;
  const { batch, rows } = ctx.previous;
  const j = rows.get(p.ids, i * 4);
  if (j === ABSENT) return UNKNOWN;
  return compareDeliveries(ts, partition, offset, batch.timestamps[j]!, batch.partitions[j]!, batch.offsets[j]!) < 0 ? WINS : LOSES;
}

export async function writeOptimistic(tx: Tx, p: PreparedBatch, ctx: WriteContext): Promise<Written> {
  const outcome = emptyOutcome(p.count);
  const included: number[] = [];
  const dead: number[] = [];
  const dupes: number[] = [];
  for (let i = 0; i < p.count; i++) {
    const kind = p.kinds[i];
    if (kind === DEAD) dead.push(i);
    else if (kind === DUPLICATE) dupes.push(i);
    else {
      const verdict = knownVerdict(p, i, ctx);
      if (verdict === WINS) throw new NeedsCarefulWrite('a delivery sorts before the stored one of its transaction_id');
      (verdict === LOSES ? dupes : included).push(i);
    }
  }
  if (included.length > 0) await tx.copyIn('transactions', RAW_COLUMNS, rowLines(p, included));
  // Rows may go in while the previous batch commits; positions and bookkeeping only after it has.
  await ctx.predecessor();
  const positions = [...p.ranges].map(([partition, r]) => ({ partition, firstOffset: r.min, nextOffset: r.max + 1n }));
  const hours = hoursOf(p, included, []);
  const advanced = await recordBookkeeping(tx, {
    consumer: ctx.consumer,
    deadLetters: deadLetterRows(p, dead),
    duplicates: duplicateRows(p, dupes),
    positions,
    replaces: false,
  });
  if (advanced !== positions.length) throw new NeedsCarefulWrite('part of the batch was applied before (a redelivery)');
  return finish(outcome, included, hours, dead.length, dupes.length, 0);
}

export async function writeCareful(tx: Tx, p: PreparedBatch, ctx: WriteContext): Promise<Written> {
  const outcome = emptyOutcome(p.count);
  if (p.count === 0) return { outcome, stored: [] };
  const next = await lockPositions(tx, ctx.consumer, [...p.ranges.keys()]);
  const candidates: number[] = [];
  const dead: number[] = [];
  const dupes: number[] = [];
  for (let i = 0; i < p.count; i++) {
    if (p.offsets[i]! < (next.get(p.partitions[i]!) ?? 0n)) {
      outcome.alreadyApplied++;
      continue;
    }
    const kind = p.kinds[i];
    (kind === DEAD ? dead : kind === DUPLICATE ? dupes : candidates).push(i);
  }
  if (outcome.alreadyApplied === p.count) return { outcome, stored: [] };

  const { included, losers, displaced, displacedHours } = await storeFirstDeliveries(tx, p, candidates);
  dupes.push(...losers);
  // A partition with any fresh record has its highest offset fresh too; its locked position is where the batch starts.
  const positions = [...p.ranges]
    .filter(([partition, r]) => r.max >= (next.get(partition) ?? 0n))
    .map(([partition, r]) => ({ partition, firstOffset: next.get(partition) ?? 0n, nextOffset: r.max + 1n }));
  const hours = hoursOf(p, included, displacedHours);
  await recordBookkeeping(tx, {
    consumer: ctx.consumer,
    deadLetters: deadLetterRows(p, dead),
    duplicates: [...duplicateRows(p, dupes), ...displaced],
    positions,
    replaces: displaced.length > 0,
  });
  return finish(outcome, included, hours, dead.length, dupes.length + displaced.length, displaced.length);
}

/** What storeFirstDeliveries did with a batch's ROW records. */
export interface FirstWins {
  /** Records stored as raw rows (some displacing a stored row). */
  included: number[];
  /** Records an earlier stored delivery of their id wins against: duplicates. */
  losers: number[];
  /** Stored rows an included record displaced (deleted; they become duplicates). */
  displaced: DuplicateRow[];
  /** Event hours (hours since the epoch) of the displaced rows. */
  displacedHours: number[];
  /** For each included record, whether it displaced a stored row. */
  replacing: boolean[];
}

/**
 * First-wins against the stored rows: locks the stored deliveries of the candidates' ids, compares each
 * candidate with its id's by delivery-order.ts, deletes the stored rows that an earlier-sorting candidate
 * displaces, and COPYs the winners. The careful write's core; `txpipe dead-letters replay` stores the
 * dead letters that became valid through it too.
 */
export async function storeFirstDeliveries(tx: Tx, p: PreparedBatch, candidates: readonly number[]): Promise<FirstWins> {
  const ids = candidates.map((i) => idText(p.ids, i * 4));
  const stored = await lockStoredWinners(tx, ids);
  const result: FirstWins = { included: [], losers: [], displaced: [], displacedHours: [], replacing: [] };
  for (let k = 0; k < candidates.length; k++) {
    const i = candidates[k]!;
    const s = stored.get(ids[k]!);
    if (s === undefined) {
      result.included.push(i);
      result.replacing.push(false);
    } else if (
      s.key === null ||
      compareDeliveries(p.timestamps[i]!, p.partitions[i]!, p.offsets[i]!, s.key.timestamp, s.key.partition, s.key.offset) > 0
    ) {
      result.losers.push(i);
    } else {
      result.included.push(i);
      result.replacing.push(true);
      result.displaced.push({ partition: s.key.partition, offset: s.key.offset, transactionId: ids[k]! });
      result.displacedHours.push(s.epochHour);
    }
  }
  await deleteDisplaced(
    tx,
    result.displaced.map((d) => d.transactionId),
  );
  if (result.included.length > 0) await tx.copyIn('transactions', RAW_COLUMNS, rowLines(p, result.included));
  return result;
}

function finish(outcome: BatchOutcome, included: number[], hours: string[], deadLetters: number, duplicates: number, replaced: number): Written {
  outcome.inserted = included.length;
  outcome.replaced = replaced;
  outcome.deadLetters = deadLetters;
  outcome.duplicates = duplicates;
  outcome.hours = hours;
  return { outcome, stored: included };
}

/** Sorted distinct event hours of the rows, plus others (both in hours since the epoch), as warehouse text. */
export function hoursOf(p: PreparedBatch, rows: readonly number[], extra: readonly number[]): string[] {
  const hours = new Set<number>(extra);
  for (const i of rows) hours.add(p.hours[i]!);
  return [...hours].sort((a, b) => a - b).map(hourOfEpochHour);
}

function deadLetterRows(p: PreparedBatch, dead: readonly number[]) {
  return dead.map((i) => {
    const d = p.dead.get(i)!;
    return {
      partition: p.partitions[i]!,
      offset: p.offsets[i]!,
      payload: d.payload,
      size: d.size,
      sha256: d.sha256,
      reason: d.reason,
      timestampMs: p.timestamps[i]!,
    };
  });
}

export function duplicateRows(p: PreparedBatch, dupes: readonly number[]): DuplicateRow[] {
  return [...dupes].sort((a, b) => a - b).map((i) => ({ partition: p.partitions[i]!, offset: p.offsets[i]!, transactionId: idText(p.ids, i * 4) }));
}

/** The COPY lines of some ROW records (in order), as views of the batch's buffer: contiguous lines as one run. */
function rowLines(p: PreparedBatch, rows: readonly number[]): Buffer | Buffer[] {
  if (rows.length === p.lines) return p.copy;
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

export interface RetrySettings {
  /** Tries of the careful write when it meets a conflict (deadlock, serialization, lock timeout, a racing insert). */
  attempts: number;
  warn: (line: string) => void;
}

/**
 * One batch, optimistic first and careful when that cannot settle it, the careful write retried with
 * backoff on conflicts with another transaction. Anything else (a lost connection included) is thrown:
 * the ingest restarts from the stored positions, which is how it survives a server's restart.
 */
export async function writeBatch(warehouse: Warehouse, p: PreparedBatch, ctx: WriteContext, retry: RetrySettings): Promise<Written> {
  try {
    return await warehouse.transaction((tx) => writeOptimistic(tx, p, ctx));
  } catch (err) {
    if (!(err instanceof NeedsCarefulWrite || isConflict(err))) throw err;
  }
  for (let attempt = 1; ; attempt++) {
    try {
      // The careful way reads positions and ids: only once every earlier batch has committed.
      await ctx.predecessor();
      return await warehouse.transaction((tx) => writeCareful(tx, p, ctx));
    } catch (err) {
      if (attempt >= retry.attempts || !isConflict(err)) throw err;
      retry.warn(`batch met a concurrent writer (attempt ${attempt}/${retry.attempts}), retrying: ${(err as Error).message}`);
      await sleep(100 * 2 ** attempt);
    }
  }
}
