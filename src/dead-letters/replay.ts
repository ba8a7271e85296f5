/**
 * `txpipe dead-letters replay`: validates the stored dead letters of a topic again with the current
 * rules (after a release that knows a new schema version, a currency, a spelling) and moves the ones
 * that are now valid into `transactions` through the ingest's own first-wins write (storeFirstDeliveries:
 * a letter's delivery order is its record timestamp, partition and offset, as when it was read), so a
 * replayed event that lost to an earlier delivery of its id becomes a counted duplicate, and one that
 * sorts before the stored delivery displaces it (which becomes the duplicate). Each letter that becomes a
 * row or a duplicate leaves dead_letters, with its outcome recorded (replayed_dead_letters): reconcile
 * still counts every record once, and a second replay finds nothing to move. The new rows' log positions
 * are queued for run_transformations, so the next DAG run or `run` step cleans them and updates their hours.
 *
 * Letters that can never be valid (refused for their size, so only their first KiB was kept; not
 * UTF-8) are skipped, counted and recorded, never validated. One transaction: a replay happens whole or
 * not at all; `dryRun` runs the same and rolls it back.
 */
import { isUtf8 } from 'node:buffer';
import { DEFAULT_LIMITS, type EventLimits } from '../events/limits.ts';
import { NOT_UTF8 } from '../events/message.ts';
import { hoursOf, duplicateRows, storeFirstDeliveries } from '../ingest/write-batch.ts';
import { BatchPreparer, DEAD, DUPLICATE, ROW } from '../ingest/prepare-batch.ts';
import { idText } from '../ingest/id-set.ts';
import type { Tx, Warehouse } from '../warehouse/port.ts';
import type { DuplicateRow } from '../ingest/sql/record-bookkeeping.ts';
import {
  beginReplay,
  finishReplay,
  readDeadLetters,
  recordReplay,
  type LetterOutcome,
  type NewRow,
  type ReplayCounts,
  type StoredDeadLetter,
} from './replay-sql.ts';

export interface ReplayOptions {
  topic: string;
  /** Only the letters whose reason contains this text (case-insensitive), as `dead-letters list --reason`. */
  reason?: string;
  /** Do everything, report it, and roll it back: nothing is stored or recorded. */
  dryRun?: boolean;
  /** Letters read and written per round trip (one transaction either way). */
  chunk?: number;
  /** The current rules' message size limit and time window, as the ingest has them (config.events). */
  limits?: EventLimits;
}

/** At most this many letters are listed in a summary (the counts cover all). */
export const LISTED_LETTERS = 100;

export interface ReplaySummary extends ReplayCounts {
  topic: string;
  reason_filter: string | null;
  dry_run: boolean;
  /** The replay's record (dead_letter_replays.replay_id); null on a dry run. */
  replay_id: string | null;
  /** Event hours that gained or lost raw rows (UTC `YYYY-MM-DD HH:00:00`), queued for the next run. */
  hours: string[];
  /** The first LISTED_LETTERS letters examined, in log order, with their outcome. */
  letters: { id: string; outcome: LetterOutcome['outcome']; transaction_id?: string; reason?: string }[];
}

/** Thrown out of the transaction to roll a dry run back, carrying what it would have done. */
class DryRun extends Error {
  readonly summary: ReplaySummary;
  constructor(summary: ReplaySummary) {
    super('dry run');
    this.summary = summary;
  }
}

/**
 * Why a stored dead letter can never become a valid event, whatever the rules; null when it may. A
 * message refused for its size kept only its first KiB; one that is not UTF-8 stays so.
 */
function neverValid(l: StoredDeadLetter): string | null {
  if (l.truncated) return 'message too large: only its first KiB was kept';
  if (!isUtf8(l.payload)) return NOT_UTF8;
  return null;
}

export async function replayDeadLetters(warehouse: Warehouse, o: ReplayOptions): Promise<ReplaySummary> {
  const run = async (tx: Tx): Promise<ReplaySummary> => {
    const replayId = await beginReplay(tx, o.topic, o.reason);
    const counts: ReplayCounts = { examined: 0, rows: 0, displaced: 0, duplicates: 0, stillInvalid: 0, skipped: 0 };
    const hours = new Set<string>();
    const listed: ReplaySummary['letters'] = [];
    const limit = Math.max(1, o.chunk ?? 1000);
    let after = { partition: -1, offset: -1n };
    for (;;) {
      const letters = await readDeadLetters(tx, { topic: o.topic, reason: o.reason, after, limit });
      if (letters.length === 0) break;
      after = { partition: letters.at(-1)!.partition, offset: letters.at(-1)!.offset };
      const outcomes = await replayChunk(tx, replayId, o.topic, letters, o.limits ?? DEFAULT_LIMITS, counts, hours);
      for (const l of outcomes) {
        if (listed.length >= LISTED_LETTERS) break;
        listed.push({
          id: `${o.topic}/${l.partition}/${l.offset}`,
          outcome: l.outcome,
          ...(l.transactionId !== null ? { transaction_id: l.transactionId } : {}),
          ...(l.currentReason !== null ? { reason: l.currentReason } : {}),
        });
      }
      // No early stop on a short chunk: a concurrent replay may have moved some of the letters it locked.
    }
    await finishReplay(tx, replayId, counts);
    const summary: ReplaySummary = {
      topic: o.topic,
      reason_filter: o.reason ?? null,
      dry_run: o.dryRun === true,
      replay_id: o.dryRun ? null : replayId,
      ...counts,
      hours: [...hours].sort(),
      letters: listed,
    };
    if (o.dryRun) throw new DryRun(summary);
    return summary;
  };
  try {
    return await warehouse.transaction(run);
  } catch (err) {
    if (err instanceof DryRun) return err.summary;
    throw err;
  }
}

/** One chunk of letters: validated as the ingest would, first-wins against the stored rows, recorded. */
async function replayChunk(
  tx: Tx,
  replayId: string,
  topic: string,
  letters: readonly StoredDeadLetter[],
  limits: EventLimits,
  counts: ReplayCounts,
  hours: Set<string>,
): Promise<LetterOutcome[]> {
  const outcomes: LetterOutcome[] = [];
  const preparer = new BatchPreparer(letters.length, limits);
  /** Index in the prepared batch → the letter's outcome slot. */
  const slots: number[] = [];
  for (const l of letters) {
    counts.examined++;
    const never = neverValid(l);
    const outcome: LetterOutcome = {
      partition: l.partition,
      offset: l.offset,
      outcome: 'skipped',
      transactionId: null,
      currentReason: never,
      timestampMs: l.timestampMs,
    };
    outcomes.push(outcome);
    if (never !== null) {
      counts.skipped++;
      continue;
    }
    slots.push(outcomes.length - 1);
    preparer.add(l.partition, l.offset, l.timestampMs, l.payload);
  }
  const p = preparer.cut();
  const candidates: number[] = [];
  const dupes: number[] = [];
  for (let i = 0; i < p.count; i++) {
    const slot = outcomes[slots[i]!]!;
    if (p.kinds[i] === DEAD) {
      slot.outcome = 'still-invalid';
      slot.currentReason = p.dead.get(i)!.reason;
      counts.stillInvalid++;
    } else {
      slot.transactionId = idText(p.ids, i * 4);
      if (p.kinds[i] === DUPLICATE) dupes.push(i);
      else if (p.kinds[i] === ROW) candidates.push(i);
    }
  }
  const won = await storeFirstDeliveries(tx, p, candidates);
  dupes.push(...won.losers);
  for (const i of dupes) outcomes[slots[i]!]!.outcome = 'duplicate';
  const rows: NewRow[] = won.included.map((i, k) => {
    outcomes[slots[i]!]!.outcome = 'row';
    return { partition: p.partitions[i]!, offset: p.offsets[i]!, replacing: won.replacing[k]! };
  });
  const duplicates: DuplicateRow[] = [...duplicateRows(p, dupes), ...won.displaced];
  await recordReplay(tx, { replayId, topic, letters: outcomes, duplicates, rows });
  counts.rows += won.included.length;
  counts.displaced += won.displaced.length;
  counts.duplicates += dupes.length;
  for (const h of hoursOf(p, won.included, won.displacedHours)) hours.add(h);
  return outcomes;
}
