/** sql/dead_letters/replay_*.sql: the statements of `txpipe dead-letters replay`, with named inputs. */
import { sql } from '../sql.ts';
import type { Queryable } from '../warehouse/port.ts';
import type { DuplicateRow } from '../ingest/sql/record-bookkeeping.ts';

export interface StoredDeadLetter {
  partition: number;
  offset: bigint;
  reason: string;
  /** The message's exact bytes; its first KiB only when `truncated`. */
  payload: Uint8Array;
  /** It was refused for its size and only the start of it was kept. */
  truncated: boolean;
  /** The record timestamp (ms since the epoch), or for letters stored without it their received_at. */
  timestampMs: number;
}

/** The next `limit` dead letters of the topic after `after` (partition, offset), in log order, locked. */
export async function readDeadLetters(
  tx: Queryable,
  q: { topic: string; reason: string | undefined; after: { partition: number; offset: bigint }; limit: number },
): Promise<StoredDeadLetter[]> {
  const rows = await tx.query<{
    partition: number;
    offset: string;
    reason: string;
    payload: Uint8Array;
    truncated: boolean;
    log_timestamp_ms: number;
  }>(sql('dead_letters/replay_read'), [q.topic, q.reason ?? null, q.after.partition, q.after.offset.toString(), q.limit]);
  return rows.map((r) => ({
    partition: r.partition,
    offset: BigInt(r.offset),
    reason: r.reason,
    payload: r.payload,
    truncated: r.truncated,
    timestampMs: r.log_timestamp_ms,
  }));
}

/** Starts a replay's record; returns its id. */
export async function beginReplay(tx: Queryable, topic: string, reason: string | undefined): Promise<string> {
  const [row] = await tx.query<{ replay_id: string }>(sql('dead_letters/replay_begin'), [topic, reason ?? null]);
  return row!.replay_id;
}

export type ReplayOutcome = 'row' | 'duplicate' | 'still-invalid' | 'skipped';

export interface LetterOutcome {
  partition: number;
  offset: bigint;
  outcome: ReplayOutcome;
  /** row and duplicate. */
  transactionId: string | null;
  /** still-invalid and skipped: why under the current rules. */
  currentReason: string | null;
  timestampMs: number;
}

export interface NewRow {
  partition: number;
  offset: bigint;
  /** It displaced a stored row of its id. */
  replacing: boolean;
}

/** Records the outcomes, removes the letters that left, counts the duplicates and queues the new rows' positions. */
export async function recordReplay(
  tx: Queryable,
  r: { replayId: string; topic: string; letters: readonly LetterOutcome[]; duplicates: readonly DuplicateRow[]; rows: readonly NewRow[] },
): Promise<void> {
  await tx.query(sql('dead_letters/replay_record'), [
    r.replayId,
    r.topic,
    r.letters.map((l) => l.partition),
    r.letters.map((l) => l.offset.toString()),
    r.letters.map((l) => l.outcome),
    r.letters.map((l) => l.transactionId),
    r.letters.map((l) => l.currentReason),
    r.letters.map((l) => String(Math.floor(l.timestampMs))),
    r.duplicates.map((d) => d.partition),
    r.duplicates.map((d) => d.offset.toString()),
    r.duplicates.map((d) => d.transactionId),
    r.rows.map((n) => n.partition),
    r.rows.map((n) => n.offset.toString()),
    r.rows.map((n) => n.replacing),
  ]);
}

export interface ReplayCounts {
  examined: number;
  rows: number;
  displaced: number;
  duplicates: number;
  stillInvalid: number;
  skipped: number;
}

/** Fills in a replay's counts. */
export async function finishReplay(tx: Queryable, replayId: string, c: ReplayCounts): Promise<void> {
  await tx.query(sql('dead_letters/replay_finish'), [replayId, c.examined, c.rows, c.displaced, c.duplicates, c.stillInvalid, c.skipped]);
}
