/**
 * Maps keyed by transaction_id, kept as their 128 bits in typed arrays (open addressing, linear
 * probing): exact, no string per id, nothing for the garbage collector to trace. An id is 4 words of a
 * Uint32Array, as encodeEventFast and idWords write them.
 */
import { compareDeliveries, LOSES, UNKNOWN, WINS, type Verdict } from './delivery-order.ts';

/** Returned by IdTable.get for an id that is not there. */
export const ABSENT = -1;

/** A fixed-capacity map from id to a non-negative int32 (an index, usually); keep it at most half full. */
export class IdTable {
  readonly #keys: Uint32Array;
  readonly #values: Int32Array;
  readonly #mask: number;
  size = 0;

  /** Room for at least `capacity` ids (slots: a power of two, at least twice that, so at most half full). */
  constructor(capacity: number) {
    let slots = 16;
    while (slots < capacity * 2) slots *= 2;
    this.#keys = new Uint32Array(slots * 4);
    this.#values = new Int32Array(slots).fill(ABSENT);
    this.#mask = slots - 1;
  }

  get capacity(): number {
    return (this.#mask + 1) / 2;
  }

  #slot(w: Uint32Array, at: number): number {
    const w0 = w[at]!;
    const w1 = w[at + 1]!;
    const w2 = w[at + 2]!;
    const w3 = w[at + 3]!;
    let h = Math.imul(w0 ^ Math.imul(w1, 0x9e3779b1), 0x85ebca6b) ^ Math.imul(w2 ^ (w3 >>> 7), 0xc2b2ae35) ^ w3;
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    let slot = h & this.#mask;
    const keys = this.#keys;
    const values = this.#values;
    while (values[slot] !== ABSENT) {
      const k = slot * 4;
      if (keys[k] === w0 && keys[k + 1] === w1 && keys[k + 2] === w2 && keys[k + 3] === w3) return slot;
      slot = (slot + 1) & this.#mask;
    }
    return slot;
  }

  /** The value of the id at w[at..at+3], or ABSENT. */
  get(w: Uint32Array, at: number): number {
    return this.#values[this.#slot(w, at)]!;
  }

  has(w: Uint32Array, at: number): boolean {
    return this.get(w, at) !== ABSENT;
  }

  /** Sets the id's value (`value` ≥ 0) and returns the one it replaced, or ABSENT when the id is new. */
  set(w: Uint32Array, at: number, value: number): number {
    const slot = this.#slot(w, at);
    const previous = this.#values[slot]!;
    if (previous === ABSENT) {
      if (this.size >= this.capacity) throw new RangeError(`IdTable full (${this.capacity} ids)`);
      const k = slot * 4; // word by word: a subarray per id would be an object per id
      this.#keys[k] = w[at]!;
      this.#keys[k + 1] = w[at + 1]!;
      this.#keys[k + 2] = w[at + 2]!;
      this.#keys[k + 3] = w[at + 3]!;
      this.size++;
    }
    this.#values[slot] = value;
    return previous;
  }

  clear(): void {
    this.#values.fill(ABSENT);
    this.size = 0;
  }

  /** A table with twice the capacity, holding the same ids and values. */
  grown(): IdTable {
    const bigger = new IdTable(this.capacity * 2);
    for (let slot = 0; slot < this.#values.length; slot++) if (this.#values[slot] !== ABSENT) bigger.set(this.#keys, slot * 4, this.#values[slot]!);
    return bigger;
  }
}

/** One generation of RecentIds: ids mapped to rows of their winning delivery's order key. */
class Generation {
  readonly ids: IdTable;
  readonly timestamps: Float64Array;
  readonly partitions: Int32Array;
  readonly offsets: BigInt64Array;
  rows = 0;

  constructor(capacity: number) {
    this.ids = new IdTable(capacity);
    this.timestamps = new Float64Array(capacity);
    this.partitions = new Int32Array(capacity);
    this.offsets = new BigInt64Array(capacity);
  }

  clear(): void {
    this.ids.clear();
    this.rows = 0;
  }
}

function versusGeneration(g: Generation, w: Uint32Array, at: number, timestamp: number, partition: number, offset: bigint): Verdict {
  const row = g.ids.get(w, at);
  if (row === ABSENT) return UNKNOWN;
  return compareDeliveries(timestamp, partition, offset, g.timestamps[row]!, g.partitions[row]!, g.offsets[row]!) < 0 ? WINS : LOSES;
}

/**
 * The transaction_ids this process stored most recently, each with its winning delivery's order key,
 * in two generations (the older one is dropped whole when the newer fills up: no per-id eviction). A new
 * delivery of a known id that sorts after the known winner is a duplicate without asking the database;
 * one that sorts before it must replace the stored row; anything else is COPYed optimistically, and the
 * primary key catches what this cache cannot know (older ids, other processes). A known winner may have
 * been replaced since by another process, but only by an earlier delivery, so "sorts after" stays true.
 */
export class RecentIds {
  #current: Generation;
  #previous: Generation;
  readonly #generation: number;

  /** Remembers between `max / 2` and `max` of the latest ids. */
  constructor(max = 200_000) {
    this.#generation = Math.max(1, Math.floor(max / 2));
    this.#current = new Generation(this.#generation);
    this.#previous = new Generation(this.#generation);
  }

  /** How a delivery of the id at w[at..] with this order key compares to the winner this process stored. */
  versus(w: Uint32Array, at: number, timestamp: number, partition: number, offset: bigint): Verdict {
    const verdict = versusGeneration(this.#current, w, at, timestamp, partition, offset);
    return verdict === UNKNOWN ? versusGeneration(this.#previous, w, at, timestamp, partition, offset) : verdict;
  }

  /**
   * Records the winners of a committed batch: records `indices` of `deliveries` (ids 4 words each, with
   * their order keys). A winner that displaced a remembered one takes its place. Call only after the
   * transaction that stored them committed.
   */
  remember(deliveries: Deliveries, indices: readonly number[]): void {
    for (const i of indices) {
      let g = this.#current;
      let row = g.ids.get(deliveries.ids, i * 4);
      if (row === ABSENT) {
        if (g.rows >= this.#generation) {
          const old = this.#previous;
          old.clear();
          this.#previous = g;
          this.#current = g = old;
        }
        row = g.rows++;
        g.ids.set(deliveries.ids, i * 4, row);
      }
      g.timestamps[row] = deliveries.timestamps[i]!;
      g.partitions[row] = deliveries.partitions[i]!;
      g.offsets[row] = deliveries.offsets[i]!;
    }
  }
}

/** Deliveries side by side: record i's id is ids[4i..4i+3], its order key (timestamps[i], partitions[i], offsets[i]). */
export interface Deliveries {
  ids: Uint32Array;
  timestamps: Float64Array;
  partitions: Int32Array;
  offsets: BigInt64Array;
}

/** The 128 bits of a UUID's text (any case) into w[at..at+3]; false when it is not a UUID. */
export function idWords(id: string, w: Uint32Array, at: number): boolean {
  if (id.length !== 36) return false;
  const hex = id.slice(0, 8) + id.slice(9, 13) + id.slice(14, 18) + id.slice(19, 23) + id.slice(24);
  if (!/^[0-9a-fA-F]{32}$/.test(hex) || id[8] !== '-' || id[13] !== '-' || id[18] !== '-' || id[23] !== '-') return false;
  for (let k = 0; k < 4; k++) w[at + k] = Number.parseInt(hex.slice(k * 8, k * 8 + 8), 16) >>> 0;
  return true;
}

/** The lowercase UUID text of w[at..at+3]. */
export function idText(w: Uint32Array, at: number): string {
  let hex = '';
  for (let k = 0; k < 4; k++) hex += w[at + k]!.toString(16).padStart(8, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
