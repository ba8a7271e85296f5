/**
 * The ingest's write pipeline, the one place that orders batches: each batch the log hands over gets a
 * sequence number and goes to the writer (which commits in that order, see writer.ts and
 * commit-order.ts); outcomes are settled in that order too, and only then is the log told (Kafka's
 * group offsets; the warehouse positions committed with the rows are the truth, so a lost log commit
 * only means a harmless redelivery). Once a batch fails nothing after it commits, and the pipeline
 * refuses new batches.
 *
 *   log ──batch n──► push ──{seq: n}──► writer (≤ PIPELINE_DEPTH transactions at once, commits in order)
 *                                           │ outcome n
 *   log ◄──commit n── settle, in order ◄────┘
 */
import type { Writer } from '../warehouse/port.ts';
import type { LogBatch } from '../log/port.ts';
import type { PreparedBatch } from './prepare-batch.ts';
import type { BatchOutcome } from './write-batch.ts';
import type { WriteRequest } from './writer.ts';

/** Batches in the database at once: batch N's rows go in while N − 1 records its bookkeeping and commits. */
export const PIPELINE_DEPTH = 2;
/** Batches handed to the writer and not yet settled: those in the database and one ready behind them. */
const IN_FLIGHT = PIPELINE_DEPTH + 1;

export interface PipelineHooks {
  /** Each committed batch's outcome, in order. */
  committed(outcome: BatchOutcome): void;
  /** The log refused a commit (the batch is durable anyway; its records will be redelivered and skipped). */
  logCommitFailed(error: Error): void;
}

type Result = { outcome: BatchOutcome; error?: undefined } | { error: Error; outcome?: undefined };

export class BatchPipeline {
  readonly #writer: Writer<WriteRequest, BatchOutcome>;
  readonly #hooks: PipelineHooks;
  /** Sequence number of the next batch pushed. */
  #next = 0;
  /** Batches below this have been settled. */
  #settled = 0;
  readonly #results = new Map<number, { result: Result; commit: () => Promise<void> }>();
  #failure: Error | undefined;
  #logCommits: Promise<void> = Promise.resolve();
  #waiters: (() => void)[] = [];

  constructor(writer: Writer<WriteRequest, BatchOutcome>, hooks: PipelineHooks) {
    this.#writer = writer;
    this.#hooks = hooks;
  }

  /** Hands a batch to the writer; returns once there is room for another. Throws the first failure. */
  async push(batch: LogBatch<PreparedBatch>): Promise<void> {
    if (this.#failure) throw this.#failure;
    const seq = this.#next++;
    this.#writer.write({ seq, batch: batch.batch }).then(
      (outcome) => this.#arrive(seq, { outcome }, batch.commit),
      (error: Error) => this.#arrive(seq, { error }, batch.commit),
    );
    while (this.#next - this.#settled >= IN_FLIGHT && !this.#failure) await this.#change();
    if (this.#failure) throw this.#failure;
  }

  /** Waits until every batch pushed has settled and its log commit was answered; throws the first failure. */
  async drain(): Promise<void> {
    while (this.#settled < this.#next) await this.#change();
    await this.#logCommits;
    if (this.#failure) throw this.#failure;
  }

  #arrive(seq: number, result: Result, commit: () => Promise<void>): void {
    this.#results.set(seq, { result, commit });
    for (let r = this.#results.get(this.#settled); r !== undefined; r = this.#results.get(this.#settled)) {
      this.#results.delete(this.#settled++);
      if (r.result.error) this.#failure ??= r.result.error;
      else if (!this.#failure) {
        this.#hooks.committed(r.result.outcome);
        const logCommit = r.commit;
        this.#logCommits = this.#logCommits.then(() => logCommit().catch((e: Error) => this.#hooks.logCommitFailed(e)));
      }
    }
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  #change(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}
