/**
 * Turns log records, one at a time as the log reads them, into what their batch's transaction needs,
 * before the transaction starts (pure CPU work, done while the write thread has the previous batches
 * written): the COPY text of its valid rows in one buffer, each record's kind (row, dead letter,
 * duplicate within the batch), transaction_id bits, order key and event hour in typed arrays. Nothing per
 * record is an object, so a batch crosses to the write thread as a handful of transferred buffers, and
 * nothing per record outlives preparation for the garbage collector to trace.
 */
import { isMarkedAsUntransferable } from 'node:worker_threads';
import type { RecordSink } from '../log/port.ts';
import { BAIL, encodeEventFast } from '../events/fast-event.ts';
import { DEFAULT_LIMITS, type EventLimits } from '../events/limits.ts';
import { type DeadPayload, deadPayload, validateMessage } from '../events/message.ts';
import { epochHourOf } from '../events/timestamp.ts';
import { CopyWriter } from '../warehouse/copy-text.ts';
import { compareDeliveries } from './delivery-order.ts';
import { ABSENT, IdTable, idWords } from './id-set.ts';

/** The seed's raw columns, as the event gives them, then merchant_id (schema_version 2 only; else NULL). */
export const EVENT_COLUMNS = ['transaction_id', 'user_id', 'amount', 'currency', 'status', 'event_time', 'processing_time', 'merchant_id'] as const;
/** The raw table's columns as a COPY line holds them: where the record sat in the log, then the event's. */
export const RAW_COLUMNS = ['log_partition', 'log_offset', 'log_timestamp_ms', ...EVENT_COLUMNS] as const;

/** A record that becomes a raw row (unless the database holds an earlier delivery of its id). */
export const ROW = 0;
/** A record that is not a valid event. */
export const DEAD = 1;
/** A valid event whose transaction_id has an earlier delivery (by delivery-order.ts) in the same batch. */
export const DUPLICATE = 2;

export interface PreparedBatch {
  count: number;
  partitions: Int32Array;
  offsets: BigInt64Array;
  /** Record timestamps (ms since the epoch): with partition and offset, the order key of a delivery. */
  timestamps: Float64Array;
  kinds: Uint8Array;
  /** ROW records: their line in `copy` is [lineStarts[i], lineEnds[i]). */
  lineStarts: Uint32Array;
  lineEnds: Uint32Array;
  /** ROW records: event hour, in hours since the epoch. */
  hours: Float64Array;
  /** ROW and DUPLICATE records: transaction_id, 4 words each at 4 * i. */
  ids: Uint32Array;
  /** COPY text of the ROW records, in order; also of rows that a later, earlier-sorting delivery displaced (see `lines`). */
  copy: Buffer;
  /** How many records are ROW. */
  rows: number;
  /** Lines in `copy`: more than `rows` when a row was displaced after its line was written. */
  lines: number;
  /** DEAD records: why, and what the dead letter keeps of the message (its bytes, size and SHA-256). */
  dead: Map<number, { reason: string } & DeadPayload>;
  /** Lowest and highest offset per partition. */
  ranges: Map<number, { min: bigint; max: bigint }>;
}

const ARRAYS = ['partitions', 'offsets', 'timestamps', 'kinds', 'lineStarts', 'lineEnds', 'hours', 'ids'] as const;

function emptyBatch(capacity: number): PreparedBatch {
  return {
    count: 0,
    partitions: new Int32Array(capacity),
    offsets: new BigInt64Array(capacity),
    timestamps: new Float64Array(capacity),
    kinds: new Uint8Array(capacity),
    lineStarts: new Uint32Array(capacity),
    lineEnds: new Uint32Array(capacity),
    hours: new Float64Array(capacity),
    ids: new Uint32Array(capacity * 4),
    copy: Buffer.alloc(0),
    rows: 0,
    lines: 0,
    dead: new Map(),
    ranges: new Map(),
  };
}

/** The same arrays, twice as long, holding what `p` holds. */
function grown(p: PreparedBatch): PreparedBatch {
  const q = emptyBatch(Math.max(16, p.kinds.length * 2));
  for (const k of ARRAYS) (q[k] as Uint8Array).set(p[k] as Uint8Array);
  return { ...q, count: p.count, rows: p.rows, lines: p.lines, dead: p.dead, ranges: p.ranges };
}

/**
 * Prepares batches one record at a time, as the log reads them (it is the ingest's RecordSink): `add`
 * per record, `cut` where a batch ends. One per ingest: it reuses its scratch id table between batches.
 */
export class BatchPreparer implements RecordSink<PreparedBatch> {
  readonly #capacity: number;
  readonly #limits: EventLimits;
  /** The batch's ROW records by transaction_id: id → record index. */
  #seen: IdTable;
  #lineGuess = 256;
  #p!: PreparedBatch;
  #w!: CopyWriter;

  /** `capacity`: the expected records per batch (a batch may grow past it); `limits`: message size and time window. */
  constructor(capacity = 1024, limits: EventLimits = DEFAULT_LIMITS) {
    this.#capacity = Math.max(1, capacity);
    this.#limits = limits;
    this.#seen = new IdTable(this.#capacity);
    this.#begin();
  }

  #begin(): void {
    this.#p = emptyBatch(this.#capacity);
    this.#w = new CopyWriter(this.#capacity * this.#lineGuess);
    this.#seen.clear();
  }

  /** Records added since the last cut. */
  get count(): number {
    return this.#p.count;
  }

  add(partition: number, offset: bigint, timestamp: number, value: Uint8Array): void {
    const w = this.#w;
    let p = this.#p;
    const i = p.count;
    if (i === p.kinds.length) p = this.#p = grown(p);
    if (this.#seen.size >= this.#seen.capacity) this.#seen = this.#seen.grown();
    p.count++;
    p.partitions[i] = partition;
    p.offsets[i] = offset;
    p.timestamps[i] = timestamp;
    const range = p.ranges.get(partition);
    if (range === undefined) p.ranges.set(partition, { min: offset, max: offset });
    else {
      if (offset < range.min) range.min = offset;
      if (offset > range.max) range.max = offset;
    }

    const lineStart = w.length;
    w.integer(partition);
    w.byte(9);
    w.bigint(offset);
    w.byte(9);
    w.integer(timestamp);
    w.byte(9);
    // The size before anything else; then the fast path writes the event's fields (or nothing, when it
    // bails: it takes only ASCII, so what it accepts is valid UTF-8); the reference path says why not.
    const limits = this.#limits;
    let hour = value.length > limits.maxMessageBytes ? BAIL : encodeEventFast(value, 0, value.length, timestamp, w, p.ids, i * 4, limits);
    if (hour === BAIL) {
      const v = validateMessage(value, timestamp, limits);
      if (!v.ok) {
        w.length = lineStart;
        p.kinds[i] = DEAD;
        p.dead.set(i, { reason: v.reason, ...deadPayload(value, limits) });
        return;
      }
      idWords(v.row.transaction_id, p.ids, i * 4);
      w.row(EVENT_COLUMNS.map((c) => v.row[c]));
      hour = epochHourOf(v.row.event_time);
    }
    const earlier = this.#seen.get(p.ids, i * 4);
    if (earlier !== ABSENT) {
      if (compareDeliveries(timestamp, partition, offset, p.timestamps[earlier]!, p.partitions[earlier]!, p.offsets[earlier]!) > 0) {
        p.kinds[i] = DUPLICATE;
        w.length = lineStart;
        return;
      }
      // This delivery sorts first: the earlier-read one becomes the duplicate. Its line stays in the buffer
      // (`lines` > `rows`), and the write COPYs the ROW lines one by one.
      p.kinds[earlier] = DUPLICATE;
      p.rows--;
    }
    this.#seen.set(p.ids, i * 4, i);
    p.kinds[i] = ROW;
    p.lineStarts[i] = lineStart;
    p.lineEnds[i] = w.length;
    p.hours[i] = hour;
    p.rows++;
    p.lines++;
  }

  /** The batch of the records added since the last cut; the next one starts empty. */
  cut(): PreparedBatch {
    const w = this.#w;
    const p = this.#p;
    const n = p.count;
    const batch: PreparedBatch = {
      ...p,
      partitions: p.partitions.subarray(0, n),
      offsets: p.offsets.subarray(0, n),
      timestamps: p.timestamps.subarray(0, n),
      kinds: p.kinds.subarray(0, n),
      lineStarts: p.lineStarts.subarray(0, n),
      lineEnds: p.lineEnds.subarray(0, n),
      hours: p.hours.subarray(0, n),
      ids: p.ids.subarray(0, n * 4),
      copy: w.bytesWritten(),
    };
    if (p.lines > 0) this.#lineGuess = Math.ceil((w.length / p.lines) * 1.1);
    this.#begin();
    return batch;
  }
}

/**
 * The ArrayBuffers to transfer (not copy) with a prepared batch. CopyWriter never uses Node's shared
 * pool, but a buffer that does (which cannot be transferred) is simply copied.
 */
export function preparedTransferList(p: PreparedBatch): ArrayBuffer[] {
  const buffers = [...ARRAYS.map((k) => p[k].buffer), p.copy.buffer] as ArrayBuffer[];
  return [...new Set(buffers)].filter((b) => !isMarkedAsUntransferable(b));
}

/** A prepared batch as it arrives from another thread: its COPY bytes become a Buffer again. */
export function revivePrepared(p: PreparedBatch): PreparedBatch {
  const copy = p.copy as Uint8Array;
  return { ...p, copy: Buffer.from(copy.buffer, copy.byteOffset, copy.byteLength) };
}
