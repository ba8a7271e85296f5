/**
 * Turns a batch of log records into what its transaction needs, before the transaction starts (pure
 * CPU work, done while the previous batch is written): the COPY text of its valid rows in one buffer,
 * each record's kind (row, dead letter, duplicate within the batch), transaction_id bits and event
 * hour in typed arrays. The records themselves are not kept, so nothing per record outlives this call
 * except the bytes that go to the database.
 */
import { setImmediate } from 'node:timers/promises';
import type { LogRecord } from '../log/port.ts';
import { validateEvent } from '../events/event.ts';
import { BAIL, encodeEventFast, hourNumberOf } from '../events/fast-event.ts';
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

const YIELD_EVERY = 500;

/** Prepares batches; one per ingest loop (it reuses its scratch set between batches). */
export class BatchPreparer {
  readonly #decoder = new TextDecoder('utf-8'); // replaces invalid sequences (U+FFFD), never throws
  #seen = new IdTable(1024);
  #lineGuess = 256;

  /**
   * Prepares one batch, yielding to the event loop every few hundred records: the previous batch's
   * statements are answered meanwhile, so PostgreSQL never waits for this CPU work to finish.
   */
  async prepare(records: readonly LogRecord[]): Promise<PreparedBatch> {
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
      if (i % YIELD_EVERY === YIELD_EVERY - 1) await setImmediate();
      const r = records[i]!;
      p.partitions[i] = r.partition;
      p.offsets[i] = r.offset;
      const range = p.ranges.get(r.partition);
      if (range === undefined) p.ranges.set(r.partition, { min: r.offset, max: r.offset });
      else {
        if (r.offset < range.min) range.min = r.offset;
        if (r.offset > range.max) range.max = r.offset;
      }

      const lineStart = w.length;
      let hour = encodeEventFast(r.value, r.timestamp, w, p.ids, i * 4);
      if (hour === BAIL) {
        const payload = this.#decoder.decode(r.value);
        const v = validateEvent(payload, r.timestamp);
        if (!v.ok) {
          p.kinds[i] = DEAD;
          p.dead.set(i, { reason: v.reason, payload });
          continue;
        }
        idWords(v.row.transaction_id, p.ids, i * 4);
        w.row(RAW_COLUMNS.map((c) => v.row[c]));
        hour = hourNumberOf(v.row.event_time);
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
