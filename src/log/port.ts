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

/**
 * Takes records as a log reads them and cuts them into batches of the consumer's own form. A log calls
 * `add` for each record the moment it has it (so whatever the log allocated per record can die young)
 * and `cut` where a batch ends. The ingest's sink turns each record into its COPY line on the spot.
 */
export interface RecordSink<B> {
  /** One record. `value` may be a view into a larger network buffer: copy what you keep of it. */
  add(partition: number, offset: bigint, timestamp: number, value: Uint8Array): void;
  /** Ends the batch of the records added since the last cut, and returns it. */
  cut(): B;
}

/** A batch handed to the consumer. `commit` is called only after the warehouse transaction that applied it committed. */
export interface LogBatch<B> {
  /** What the sink's `cut` returned. */
  batch: B;
  /** Records in it. */
  count: number;
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
  /**
   * Yields batches from the group's position until idle (untilIdle) or aborted. Records go through
   * `sink` (see RecordSink); `collectRecords()` is the sink that just keeps them.
   */
  consume<B>(options: ConsumeOptions, sink: RecordSink<B>): AsyncIterable<LogBatch<B>>;
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

/** The sink whose batches are the records themselves (values copied). */
export function collectRecords(): RecordSink<LogRecord[]> {
  let records: LogRecord[] = [];
  return {
    add(partition, offset, timestamp, value) {
      records.push({ partition, offset, timestamp, value: Buffer.from(value) });
    },
    cut() {
      const batch = records;
      records = [];
      return batch;
    },
  };
}
