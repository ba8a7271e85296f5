/**
 * EventLog: the topic `transactions`, whatever carries it (Kafka, or a log table in the
 * embedded database). The pipeline code sees only this interface.
 */

/** One message as it sits in the log: the payload is kept as raw text, valid or not. */
export interface LogRecord {
  /** Partition number (the embedded log has one partition, 0). */
  partition: number;
  /** Position inside the partition. A bigint because Kafka offsets are int64. */
  offset: bigint;
  /** When the record reached the log, in ms since the epoch (Kafka record timestamp; embedded append time). */
  timestamp: number;
  /** The payload's bytes, exactly as produced (UTF-8 text when the producer is well behaved). */
  value: Uint8Array;
}

/** A batch handed to the consumer. `commit` is called only after the warehouse transaction that applied it committed. */
export interface LogBatch {
  records: LogRecord[];
  /**
   * Tells the log the batch is durable downstream. Kafka commits the group offsets here;
   * the embedded log does nothing, since its position is written inside the warehouse transaction.
   */
  commit(): Promise<void>;
}

export interface ConsumeOptions {
  /** Consumer group; positions are kept per group. */
  group: string;
  /** Upper bound on records per batch. */
  maxBatch: number;
  /** Stop once caught up (no record left at the time of the check) instead of following. */
  untilIdle: boolean;
  /** Aborting ends the iteration after the current batch; a batch never half-commits. */
  signal?: AbortSignal;
  /**
   * Where each partition's next record is, as stored in the warehouse (the source of truth).
   * Adapters start reading there when they can; records below it are filtered by the ingest anyway.
   */
  startPositions?: (partitions: number[]) => Promise<Map<number, bigint>>;
  /**
   * Awaited when the iteration ends, before the adapter releases its connection: the caller may still be
   * writing the last batch it received and must be able to commit it.
   */
  beforeClose?: () => Promise<void>;
}

export interface PartitionLag {
  partition: number;
  /** Next offset the group will read (committed position). */
  position: bigint;
  /** Offset the next appended record will get (high watermark / log end). */
  end: bigint;
}

export interface EventLog {
  /** Human-readable kind, for logs and status: "kafka" or "embedded". */
  readonly kind: 'kafka' | 'embedded';
  /** Topic name. */
  readonly topic: string;
  /** Creates the topic when missing (partitions from config on Kafka). Idempotent. */
  ensureTopic(): Promise<void>;
  /** Appends payloads in order; resolves once they are durable in the log. */
  append(values: string[]): Promise<void>;
  /** Yields batches from the group's position until idle (untilIdle) or aborted. */
  consume(options: ConsumeOptions): AsyncIterable<LogBatch>;
  /** Committed position and end per partition for a group. */
  lag(group: string): Promise<PartitionLag[]>;
  /**
   * How many records each partition holds below the given positions (for `reconcile`); `complete` is
   * false when the log no longer holds its oldest records (retention), so the count starts later.
   */
  countBefore(positions: ReadonlyMap<number, bigint>): Promise<{ partition: number; records: bigint; complete: boolean }[]>;
  /** Releases connections. */
  close(): Promise<void>;
}
