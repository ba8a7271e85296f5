/**
 * The order in which batches commit, by sequence number (0, 1, 2, …): a batch records its positions
 * only after every earlier batch has committed, and once one fails no later one commits, since its
 * positions would step over the failed batch's records. The writer asks `committed(n)` before it
 * records batch n's positions (and before it starts batch n + depth's transaction at all), and reports
 * each batch's end with `done` or `failed`.
 */
export class CommitOrder {
  /** Batches below this have all committed. */
  #committed = 0;
  #failure: { seq: number; error: Error } | undefined;
  readonly #waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }[]>();

  /** Resolves once batches 0 … n − 1 have all committed; rejects once one of them failed. */
  committed(n: number): Promise<void> {
    if (this.#failure && this.#failure.seq < n) return Promise.reject(this.#stopped());
    if (n <= this.#committed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const list = this.#waiting.get(n) ?? [];
      list.push({ resolve, reject });
      this.#waiting.set(n, list);
    });
  }

  /** Batch `seq` committed (batches commit in order: it is the lowest not yet committed). */
  done(seq: number): void {
    if (seq !== this.#committed) throw new Error(`batch ${seq} committed out of order (expected ${this.#committed})`);
    this.#committed = seq + 1;
    for (const w of this.#waiting.get(this.#committed) ?? []) w.resolve();
    this.#waiting.delete(this.#committed);
  }

  /** Batch `seq` failed for good: every later batch is refused. */
  failed(seq: number, error: Error): void {
    if (this.#failure && this.#failure.seq <= seq) return;
    this.#failure = { seq, error };
    for (const [n, list] of this.#waiting) {
      if (n <= seq) continue;
      for (const w of list) w.reject(this.#stopped());
      this.#waiting.delete(n);
    }
  }

  #stopped(): Error {
    return new Error(`batch not written: an earlier batch failed (${this.#failure!.error.message})`, { cause: this.#failure!.error });
  }
}
