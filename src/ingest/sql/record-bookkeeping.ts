/** sql/ingest/bookkeeping.sql: everything a batch records besides its raw rows, in one statement. */
import { sql } from '../../sql.ts';
import type { Queryable } from '../../warehouse/port.ts';
import type { ConsumerKey } from '../../warehouse/consumer-offsets.ts';

export interface DeadLetterRow {
  partition: number;
  offset: bigint;
  /** The message's bytes as stored (the first KiB only of an oversized one: see events/message.ts). */
  payload: Uint8Array;
  /** The whole message's size in bytes, and its SHA-256. */
  size: number;
  sha256: Uint8Array;
  reason: string;
  /** The record's timestamp (ms since the epoch): with the position, its order key should a replay make it valid. */
  timestampMs: number;
}

export interface DuplicateRow {
  partition: number;
  offset: bigint;
  transactionId: string;
}

/**
 * A partition's position moves to `nextOffset`, but only if the stored one has not passed `firstOffset`;
 * [firstOffset, nextOffset) is also the log range whose raw rows run_transformations cleans next.
 */
export interface PositionAdvance {
  partition: number;
  firstOffset: bigint;
  nextOffset: bigint;
}

export interface Bookkeeping {
  consumer: ConsumerKey;
  deadLetters: readonly DeadLetterRow[];
  duplicates: readonly DuplicateRow[];
  positions: readonly PositionAdvance[];
  /** The batch displaced stored rows (their ids get new clean rows: run_transformations removes the old). */
  replaces: boolean;
}

/** Records it all and returns how many partitions advanced: fewer than given means a redelivery. */
export async function recordBookkeeping(tx: Queryable, b: Bookkeeping): Promise<number> {
  const advanced = await tx.query(sql('ingest/bookkeeping'), [
    b.consumer.topic,
    b.consumer.group,
    b.deadLetters.map((d) => d.partition),
    b.deadLetters.map((d) => d.offset.toString()),
    // Bytes travel as hex text (decoded in the statement): the same on both warehouse drivers.
    b.deadLetters.map((d) => Buffer.from(d.payload).toString('hex')),
    b.deadLetters.map((d) => d.reason),
    b.duplicates.map((d) => d.partition),
    b.duplicates.map((d) => d.offset.toString()),
    b.duplicates.map((d) => d.transactionId),
    b.positions.map((p) => p.partition),
    b.positions.map((p) => p.firstOffset.toString()),
    b.positions.map((p) => p.nextOffset.toString()),
    b.replaces,
    b.deadLetters.map((d) => d.size),
    b.deadLetters.map((d) => Buffer.from(d.sha256).toString('hex')),
    b.deadLetters.map((d) => String(Math.floor(d.timestampMs))),
  ]);
  return advanced.length;
}
