/**
 * Turns a batch of log records into what its transaction needs, before the transaction starts (pure
 * CPU work, done while the write thread has the previous batches written): the COPY text of its
 * valid rows in one buffer, each record's kind (row, dead letter, duplicate within the batch),
 * transaction_id bits and event hour in typed arrays. Nothing per record is an object, so a batch
 * crosses to the write thread as a handful of transferred buffers, and nothing per record outlives
 * preparation for the garbage collector to trace.
 */
import { isMarkedAsUntransferable } from 'node:worker_threads';
import type { LogRecord } from '../log/port.ts';
import { validateEvent } from '../events/event.ts';
import { BAIL, encodeEventFast } from '../events/fast-event.ts';
import { epochHourOf } from '../events/timestamp.ts';
import { CopyWriter } from '../warehouse/copy-text.ts';
import { IdTable, idWords } from './id-set.ts';

export const RAW_COLUMNS = [
  'transaction_id',
  'user_id',
  'amount',
  'currency',
  'status',
  'event_time',
  'processing_time',
] as const;

/** A record that becomes a raw row (unless the database already holds its id). */
export const ROW = 0;
/** A record that is not a valid event. */
export const DEAD = 1;
/** A valid event whose transaction_id came earlier in the same batch. */
export const DUPLICATE = 2;

export interface PreparedBatch {
  count: number;
  partitions: Int32Array;
  offsets: BigInt64Array;
  kinds: Uint8Array;
  /** ROW records: their line in `copy` is [lineStarts[i], lineEnds[i]). */
  lineStarts: Uint32Array;
  lineEnds: Uint32Array;
  /** ROW records: event hour, in hours since the epoch. */
  hours: Float64Array;
  /** ROW and DUPLICATE records: transaction_id, 4 words each at 4 * i. */
  ids: Uint32Array;
  /** COPY text of the ROW records, in order. */
  copy: Buffer;
  /** How many records are ROW. */
  rows: number;
  /** DEAD records: why, and the payload as text. */
  dead: Map<number, { reason: string; payload: string }>;
  /** Lowest and highest offset per partition. */
  ranges: Map<number, { min: bigint; max: bigint }>;
}

/** Prepares batches; one per ingest (it reuses its scratch set between batches). */
export class BatchPreparer {
  readonly #decoder = new TextDecoder('utf-8'); // replaces invalid sequences (U+FFFD), never throws
  #seen = new IdTable(1024);
  #lineGuess = 256;

  prepare(records: readonly LogRecord[]): PreparedBatch {
    const count = records.length;
    const p: PreparedBatch = {
      count,
      partitions: new Int32Array(count),
      offsets: new BigInt64Array(count),
      kinds: new Uint8Array(count),
      lineStarts: new Uint32Array(count),
      lineEnds: new Uint32Array(count),
      hours: new Float64Array(count),
      ids: new Uint32Array(count * 4),
      copy: Buffer.alloc(0),
      rows: 0,
      dead: new Map(),
      ranges: new Map(),
    };
    if (this.#seen.capacity < count) this.#seen = new IdTable(count);
    const seen = this.#seen;
    seen.clear();
    const w = new CopyWriter(count * this.#lineGuess);
    for (let i = 0; i < count; i++) {
      const { partition, offset, timestamp, value } = records[i]!;
      p.partitions[i] = partition;
      p.offsets[i] = offset;
      const range = p.ranges.get(partition);
      if (range === undefined) p.ranges.set(partition, { min: offset, max: offset });
      else {
        if (offset < range.min) range.min = offset;
        if (offset > range.max) range.max = offset;
      }

      const lineStart = w.length;
      let hour = encodeEventFast(value, 0, value.length, timestamp, w, p.ids, i * 4);
      if (hour === BAIL) {
        const payload = this.#decoder.decode(value);
        const v = validateEvent(payload, timestamp);
        if (!v.ok) {
          p.kinds[i] = DEAD;
          p.dead.set(i, { reason: v.reason, payload });
          continue;
        }
        idWords(v.row.transaction_id, p.ids, i * 4);
        w.row(RAW_COLUMNS.map((c) => v.row[c]));
        hour = epochHourOf(v.row.event_time);
      }
      if (!seen.add(p.ids, i * 4)) {
        p.kinds[i] = DUPLICATE;
        w.length = lineStart;
        continue;
      }
      p.lineStarts[i] = lineStart;
      p.lineEnds[i] = w.length;
      p.hours[i] = hour;
      p.rows++;
    }
    p.copy = w.bytesWritten();
    if (p.rows > 0) this.#lineGuess = Math.ceil((w.length / p.rows) * 1.1);
    return p;
  }
}

/**
 * The ArrayBuffers to transfer (not copy) with a prepared batch. CopyWriter never uses Node's shared
 * pool, but a buffer that does (which cannot be transferred) is simply copied.
 */
export function preparedTransferList(p: PreparedBatch): ArrayBuffer[] {
  const buffers = [p.partitions, p.offsets, p.kinds, p.lineStarts, p.lineEnds, p.hours, p.ids, p.copy].map((a) => a.buffer as ArrayBuffer);
  return [...new Set(buffers)].filter((b) => !isMarkedAsUntransferable(b));
}

/** A prepared batch as it arrives from another thread: its COPY bytes become a Buffer again. */
export function revivePrepared(p: PreparedBatch): PreparedBatch {
  const copy = p.copy as Uint8Array;
  return { ...p, copy: Buffer.from(copy.buffer, copy.byteOffset, copy.byteLength) };
}
