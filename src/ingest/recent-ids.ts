/**
 * The transaction_ids this process inserted most recently, kept in two generations (the older one is
 * dropped whole when the newer fills up: no per-id eviction cost). A candidate found here is a
 * duplicate without asking the database; anything else is COPYed optimistically, and the primary key
 * catches what this cache cannot know (older ids, other processes).
 */
export class RecentIds {
  #current = new Set<string>();
  #previous = new Set<string>();
  readonly #generation: number;

  /** Remembers between `max / 2` and `max` of the latest ids. */
  constructor(max = 200_000) {
    this.#generation = Math.max(1, Math.floor(max / 2));
  }

  has(id: string): boolean {
    return this.#current.has(id) || this.#previous.has(id);
  }

  /** Call only after the transaction that inserted the ids committed. */
  addAll(ids: Iterable<string>): void {
    for (const id of ids) {
      if (this.#current.size >= this.#generation) {
        this.#previous = this.#current;
        this.#current = new Set();
      }
      this.#current.add(id);
    }
  }
}
