/**
 * Sets of transaction_ids kept as their 128 bits in typed arrays (open addressing, linear probing):
 * exact, no string per id, nothing for the garbage collector to trace. An id is 4 words of a
 * Uint32Array, as encodeEventFast and idWords write them.
 */

/** A fixed-capacity set; keep it at most half full. */
export class IdTable {
  readonly #keys: Uint32Array;
  readonly #used: Uint8Array;
  readonly #mask: number;
  size = 0;

  /** Room for at least `capacity` ids (slots: a power of two, at least twice that, so at most half full). */
  constructor(capacity: number) {
    let slots = 16;
    while (slots < capacity * 2) slots *= 2;
    this.#keys = new Uint32Array(slots * 4);
    this.#used = new Uint8Array(slots);
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
    const used = this.#used;
    while (used[slot] === 1) {
      const k = slot * 4;
      if (keys[k] === w0 && keys[k + 1] === w1 && keys[k + 2] === w2 && keys[k + 3] === w3) return slot;
      slot = (slot + 1) & this.#mask;
    }
    return slot;
  }

  has(w: Uint32Array, at: number): boolean {
    return this.#used[this.#slot(w, at)] === 1;
  }

  /** Adds the id at w[at..at+3]; false when it was there already. */
  add(w: Uint32Array, at: number): boolean {
    const slot = this.#slot(w, at);
    if (this.#used[slot] === 1) return false;
    if (this.size >= this.capacity) throw new RangeError(`IdTable full (${this.capacity} ids)`);
    this.#used[slot] = 1;
    const k = slot * 4; // word by word: a subarray per id would be an object per id
    this.#keys[k] = w[at]!;
    this.#keys[k + 1] = w[at + 1]!;
    this.#keys[k + 2] = w[at + 2]!;
    this.#keys[k + 3] = w[at + 3]!;
    this.size++;
    return true;
  }

  clear(): void {
    this.#used.fill(0);
    this.size = 0;
  }

  /** A table with twice the capacity, holding the same ids. */
  grown(): IdTable {
    const bigger = new IdTable(this.capacity * 2);
    for (let slot = 0; slot < this.#used.length; slot++) if (this.#used[slot] === 1) bigger.add(this.#keys, slot * 4);
    return bigger;
  }
}

/**
 * The transaction_ids this process inserted most recently, in two generations (the older one is
 * dropped whole when the newer fills up: no per-id eviction). A candidate found here is a duplicate
 * without asking the database; anything else is COPYed optimistically, and the primary key catches
 * what this cache cannot know (older ids, other processes).
 */
export class RecentIds {
  #current: IdTable;
  #previous: IdTable;
  readonly #generation: number;

  /** Remembers between `max / 2` and `max` of the latest ids. */
  constructor(max = 200_000) {
    this.#generation = Math.max(1, Math.floor(max / 2));
    this.#current = new IdTable(this.#generation);
    this.#previous = new IdTable(this.#generation);
  }

  has(w: Uint32Array, at: number): boolean {
    return this.#current.has(w, at) || this.#previous.has(w, at);
  }

  /** Adds every id in `words` (4 words each). Call only after the transaction that inserted them committed. */
  addAll(words: Uint32Array): void {
    for (let at = 0; at + 4 <= words.length; at += 4) {
      if (this.#current.size >= this.#generation) {
        const old = this.#previous;
        old.clear();
        this.#previous = this.#current;
        this.#current = old;
      }
      this.#current.add(words, at);
    }
  }
}

/** The 128 bits of a UUID's text (any case) into w[at..at+3]; false when it is not a UUID. */
export function idWords(id: string, w: Uint32Array, at: number): boolean {
  if (id.length !== 36) return false;
  const hex = id.slice(0, 8) + id.slice(9, 13) + id.slice(14, 18) + id.slice(19, 23) + id.slice(24);
  if (!/^[0-9a-fA-F]{32}$/.test(hex) || id[8] !== '-' || id[13] !== '-' || id[18] !== '-' || id[23] !== '-') return false;
  for (let k = 0; k < 4; k++) w[at + k] = parseInt(hex.slice(k * 8, k * 8 + 8), 16) >>> 0;
  return true;
}

/** The lowercase UUID text of w[at..at+3]. */
export function idText(w: Uint32Array, at: number): string {
  let hex = '';
  for (let k = 0; k < 4; k++) hex += w[at + k]!.toString(16).padStart(8, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
