/**
 * Cuts the records a consumer stream emits into batches: it hands each record to the sink at once and
 * remembers, per partition, the last offset and leader epoch seen, which is what the batch's commit
 * tells Kafka (offset + 1). Pure bookkeeping: the subscription decides when to cut.
 */
import type { LogBatch, RecordSink } from '../port.ts';

export interface CommitMark {
  partition: number;
  /** The last offset in the batch; the commit stores offset + 1. */
  offset: bigint;
  leaderEpoch: number;
}

export class BatchCutter<B> {
  readonly #sink: RecordSink<B>;
  #count = 0;
  #marks = new Map<number, CommitMark>();
  /** When the oldest record not yet cut arrived (Date.now()). */
  firstPendingAt = 0;

  constructor(sink: RecordSink<B>) {
    this.#sink = sink;
  }

  /** Records added since the last cut. */
  get count(): number {
    return this.#count;
  }

  add(partition: number, offset: bigint, leaderEpoch: number, timestamp: number, value: Uint8Array): void {
    this.#sink.add(partition, offset, timestamp, value);
    if (this.#count++ === 0) this.firstPendingAt = Date.now();
    const mark = this.#marks.get(partition);
    if (mark === undefined) this.#marks.set(partition, { partition, offset, leaderEpoch });
    else {
      mark.offset = offset;
      mark.leaderEpoch = leaderEpoch;
    }
  }

  /** The batch of the records added since the last cut; `commit` gets its marks. */
  cut(commit: (marks: CommitMark[]) => Promise<void>): LogBatch<B> {
    const marks = [...this.#marks.values()];
    const batch = { batch: this.#sink.cut(), count: this.#count };
    this.#count = 0;
    this.#marks = new Map();
    let committed: Promise<void> | undefined;
    return { ...batch, commit: () => (committed ??= commit(marks)) };
  }
}
