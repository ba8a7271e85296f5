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
  /** Batches the log may cut ahead of the consumer (default 1); beyond that it stops fetching until one is taken. */
  readAhead?: number;
  /**
   * Where to start reading partitions as they are assigned (at the start and after every rebalance), for
   * a consumer that keeps its positions outside the log (txpipe keeps them beside its rows, in the same
   * transaction). Partitions left out start at the group's committed position, or at the earliest record.
   */
  startAt?: (partitions: number[]) => Promise<ReadonlyMap<number, bigint>>;
}

/** Batches of one consumer-group member, as an async iterable, and the member itself. */
export interface Subscription<B> extends AsyncIterable<LogBatch<B>> {
  /**
   * Leaves the group and releases the connection. The iteration ending does not: a consumer may still be
   * committing the last batches it took. Idempotent.
   */
  close(): Promise<void>;
}

/** A record to append: the payload as it is, valid or not; bytes are published exactly (text as UTF-8). */
export interface AppendRecord {
  key?: string;
  value: string | Uint8Array;
}

/** What an append could not publish: the record's index in the call, and the log's reason. */
export interface AppendResult {
  refused: { index: number; reason: string }[];
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
  /**
   * Appends records in order; resolves once they are durable in the log. A record's `key` (its
   * transaction_id, normalised) picks its partition, so every delivery of one transaction shares a
   * partition and keeps its order; records without a key are spread over the partitions.
   */
  append(records: readonly AppendRecord[]): Promise<AppendResult>;
  /**
   * Joins the group and yields batches from its position until idle (untilIdle) or aborted. Records go
   * through `sink` (see RecordSink); `collectRecords()` is the sink that just keeps them.
   */
  consume<B>(options: ConsumeOptions, sink: RecordSink<B>): Subscription<B>;
  /** Committed position and end per partition for a group; TopicMissingError when the topic does not exist yet. */
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

/** The topic does not exist yet (Kafka: nothing produced or created it); nothing to be behind on. */
export class TopicMissingError extends Error {
  override name = 'TopicMissingError';
}

/** The broker list in KAFKA_BROKERS did not answer after the client's retries. */
export class LogUnreachableError extends Error {
  override name = 'LogUnreachableError';
}
