/**
 * EventLog on Apache Kafka through @platformatic/kafka (pure JS client).
 *
 * - append: idempotent producer (acks=all), values sent in chunks that stay under the broker's
 *   per-batch size limit; null keys (the client round-robins them over the partitions).
 * - consume: one consumer-group member per call, reading from the committed group offsets (or from
 *   the warehouse positions given by `startPositions`), without autocommit. Each record goes to the
 *   caller's sink the moment the client's stream emits it (flowing mode), and batches are cut at
 *   `maxBatch` records or after a short linger. `batch.commit()` commits max offset + 1 per partition.
 * - lag: committed group offsets and high watermarks through the admin client.
 */
import {
  Admin,
  Consumer,
  findErrorBy,
  ListOffsetTimestamps,
  ProduceAcks,
  Producer,
  stringSerializers,
  type MessagesStream,
  type Message,
} from '@platformatic/kafka';
import type { KafkaSettings } from '../../config.ts';
import type { ConsumeOptions, EventLog, LogBatch, PartitionLag, RecordSink } from '../port.ts';
import { kafkaSecurityOptions, type KafkaSecurityOptions } from './connection-options.ts';

/** Tuning knobs; the defaults are what txpipe uses, tests may shorten the timers. */
export interface KafkaTuning {
  /** Wait this long for more records before yielding a non-full batch (ms). */
  lingerMs: number;
  /** untilIdle: no record for this long, then check the end offsets (ms). */
  quietMs: number;
  /** Fetch: broker-side wait when there is less than minBytes (ms). */
  maxWaitTime: number;
  minBytes: number;
  /** Fetch response cap (bytes); per partition cap is half of it. A response is parsed in one go: smaller keeps the event loop responsive. */
  maxBytes: number;
  /**
   * Messages the client's stream buffers while it is paused (each is a dozen objects). Records are
   * handed to the sink as they are parsed, so this only matters once `readyBatches` are waiting.
   */
  bufferedMessages: number;
  /** Batches cut and waiting for the consumer before the fetches pause (backpressure). */
  readyBatches: number;
  /** Producer: bytes of payload per send (kept below the broker's 1 MiB per-batch limit per partition). */
  produceChunkBytes: number;
  /** Producer: records per send at most. */
  produceChunkRecords: number;
  sessionTimeout: number;
  heartbeatInterval: number;
  rebalanceTimeout: number;
}

export const defaultKafkaTuning: KafkaTuning = {
  lingerMs: 30,
  quietMs: 300,
  maxWaitTime: 100,
  minBytes: 1,
  maxBytes: 1024 * 1024,
  bufferedMessages: 1000,
  readyBatches: 2,
  produceChunkBytes: 900 * 1024,
  produceChunkRecords: 10_000,
  sessionTimeout: 30_000,
  heartbeatInterval: 1_000,
  rebalanceTimeout: 30_000,
};

type BufferMessage = Message<Buffer, Buffer, Buffer, Buffer>;

/** A null value (a tombstone, or a producer outside txpipe) is read as an empty payload. */
const EMPTY = new Uint8Array(0);

interface PartitionMark {
  offset: bigint;
  leaderEpoch: number;
}

export class KafkaEventLog implements EventLog {
  readonly kind = 'kafka' as const;
  readonly topic: string;
  readonly #settings: KafkaSettings;
  readonly #log: (line: string) => void;
  readonly #tuning: KafkaTuning;
  #security: KafkaSecurityOptions | undefined;
  #admin: Admin | undefined;
  #producer: Producer<string, string, string, string> | undefined;
  readonly #consumers = new Set<Consumer>();
  #closed = false;

  constructor(settings: KafkaSettings, logger?: (line: string) => void, tuning: Partial<KafkaTuning> = {}) {
    this.#settings = settings;
    this.topic = settings.topic;
    this.#log = logger ?? (() => {});
    const fromSettings: Partial<KafkaTuning> = settings.sessionTimeoutMs
      ? { sessionTimeout: settings.sessionTimeoutMs, rebalanceTimeout: Math.max(settings.sessionTimeoutMs, defaultKafkaTuning.rebalanceTimeout) }
      : {};
    this.#tuning = { ...defaultKafkaTuning, ...fromSettings, ...tuning };
  }

  #base(suffix: string) {
    this.#security ??= kafkaSecurityOptions(this.#settings);
    return {
      clientId: `${this.#settings.clientId}-${suffix}`,
      bootstrapBrokers: this.#settings.brokers,
      autocreateTopics: false,
      ...this.#security,
    };
  }

  #ensureOpen(): void {
    if (this.#closed) throw new Error('KafkaEventLog is closed');
  }

  #adminClient(): Admin {
    this.#ensureOpen();
    this.#admin ??= new Admin(this.#base('admin'));
    return this.#admin;
  }

  async ensureTopic(): Promise<void> {
    const admin = this.#adminClient();
    const { topic, partitions, replication } = this.#settings;
    try {
      await admin.createTopics({ topics: [topic], partitions, replicas: replication });
      this.#log(`kafka: created topic ${topic} (${partitions} partitions, replication ${replication})`);
    } catch (error) {
      if (!findErrorBy(error as Error, 'apiId', 'TOPIC_ALREADY_EXISTS')) throw error;
    }
    // Wait until the metadata shows the topic with a leader for every partition.
    const deadline = Date.now() + 30_000;
    let lastError: unknown;
    for (;;) {
      try {
        const metadata = await admin.metadata({ topics: [topic], forceUpdate: true });
        const info = metadata.topics.get(topic);
        if (info && info.partitionsCount > 0 && info.partitions.every((p) => p && p.leader >= 0)) {
          if (info.partitionsCount !== partitions) {
            this.#log(`kafka: topic ${topic} has ${info.partitionsCount} partitions (configured ${partitions})`);
          }
          return;
        }
      } catch (error) {
        lastError = error;
      }
      if (Date.now() > deadline) {
        throw new Error(`kafka: topic ${topic} not visible in metadata after 30 s`, { cause: lastError });
      }
      await sleep(100);
    }
  }

  async append(values: string[]): Promise<void> {
    if (values.length === 0) return;
    this.#ensureOpen();
    this.#producer ??= new Producer<string, string, string, string>({
      ...this.#base('producer'),
      serializers: stringSerializers,
      idempotent: true,
      acks: ProduceAcks.ALL,
    });
    const producer = this.#producer;
    const topic = this.topic;
    const { produceChunkBytes, produceChunkRecords } = this.#tuning;
    let start = 0;
    while (start < values.length) {
      let end = start;
      let bytes = 0;
      // UTF-16 length is a cheap stand-in for the byte size; ×3 covers the worst case of non-ASCII text.
      while (end < values.length && end - start < produceChunkRecords) {
        const size = values[end]!.length * 3 + 30;
        if (end > start && bytes + size > produceChunkBytes) break;
        bytes += size;
        end++;
      }
      const messages = new Array<{ topic: string; value: string }>(end - start);
      for (let i = start; i < end; i++) messages[i - start] = { topic, value: values[i]! };
      await producer.send({ messages });
      start = end;
    }
  }

  async *consume<B>(options: ConsumeOptions, sink: RecordSink<B>): AsyncGenerator<LogBatch<B>> {
    this.#ensureOpen();
    const { signal, untilIdle, startPositions } = options;
    const maxBatch = Math.max(1, options.maxBatch);
    const topic = this.topic;
    const tuning = this.#tuning;
    if (signal?.aborted) return;

    const consumer = new Consumer({
      ...this.#base('consumer'),
      groupId: options.group,
      autocommit: false,
      sessionTimeout: tuning.sessionTimeout,
      rebalanceTimeout: tuning.rebalanceTimeout,
      heartbeatInterval: tuning.heartbeatInterval,
      minBytes: tuning.minBytes,
      maxBytes: tuning.maxBytes,
      maxBytesPerPartition: Math.ceil(tuning.maxBytes / 2),
      maxWaitTime: tuning.maxWaitTime,
      highWaterMark: tuning.bufferedMessages,
    });
    this.#consumers.add(consumer);

    // Wake-up plumbing: the loop below sleeps until the stream has data, a timer fires, the signal
    // aborts, or the stream fails.
    let wake: (() => void) | null = null;
    const wakeUp = () => {
      const w = wake;
      wake = null;
      w?.();
    };
    const sleepUntilWoken = (ms: number) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(
          () => {
            wake = null;
            resolve();
          },
          Math.max(1, ms),
        );
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    signal?.addEventListener('abort', wakeUp);

    let stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | undefined;
    let failure: Error | undefined;
    let ended = false;
    // False between a group (re)join and the end of the stream's offsets refresh / our seek.
    let offsetsReady = false;
    let seeking = 0;
    const key = (partition: number) => `${topic}:${partition}`;
    const assigned = (): number[] | null => {
      if (consumer.assignments === null) return null;
      return (
        consumer.assignments
          .find((a) => a.topic === topic)
          ?.partitions.slice()
          .sort((a, b) => a - b) ?? []
      );
    };

    const onError = (error: Error) => {
      failure ??= error;
      wakeUp();
    };
    const onEnd = () => {
      ended = true;
      wakeUp();
    };
    const onOffsets = () => {
      offsetsReady = true;
      wakeUp();
    };
    // Seek to the warehouse positions after each assignment: pause the stream's fetch loop, wait for its
    // own offset refresh (committed offsets), then override with the warehouse positions and resume.
    const seekToStartPositions = async (s: MessagesStream<Buffer, Buffer, Buffer, Buffer>) => {
      if (!startPositions) return;
      seeking++;
      updateFlow(s);
      try {
        const partitions = assigned() ?? [];
        const refreshed = offsetsReady
          ? Promise.resolve()
          : new Promise<void>((resolve) => {
              const done = () => {
                s.off('offsets', done);
                s.off('close', done);
                resolve();
              };
              s.on('offsets', done);
              s.on('close', done);
            });
        const [positions] = await Promise.all([
          partitions.length > 0 ? startPositions(partitions) : Promise.resolve(new Map<number, bigint>()),
          refreshed,
        ]);
        const owned = new Set(assigned() ?? []);
        for (const [partition, offset] of positions) {
          if (owned.has(partition) && offset >= 0n) s.offsetsToFetch.set(key(partition), offset);
        }
      } catch (error) {
        failure ??= error as Error;
      } finally {
        seeking--;
        updateFlow(s);
        wakeUp();
      }
    };
    const onJoin = () => {
      offsetsReady = false;
      this.#log(`kafka: ${options.group} member ${consumer.memberId} assigned partitions [${assigned()?.join(',')}]`);
      if (stream) void seekToStartPositions(stream);
    };

    let lastCommit: Promise<void> = Promise.resolve();
    // Records go to the sink as the stream emits them; batches are cut at maxBatch (or after the
    // linger) and queue in `ready`. The stream flows unless a seek is in progress or the consumer has
    // `readyBatches` waiting: only then do the client's message objects pile up in its buffer.
    const ready: LogBatch<B>[] = [];
    let count = 0;
    let offsets = new Map<number, bigint>();
    let epochs = new Map<number, number>();
    let firstPendingAt = 0;
    let lastActivity = Date.now();
    let nextIdleCheck = 0;
    function updateFlow(s: MessagesStream<Buffer, Buffer, Buffer, Buffer>) {
      if (s.destroyed) return;
      const hold = seeking > 0 || ready.length >= tuning.readyBatches;
      if (hold && !s.isPaused()) s.pause();
      else if (!hold && s.isPaused()) s.resume();
    }
    const cut = (): LogBatch<B> => {
      const marks = new Map<number, PartitionMark>();
      for (const [partition, offset] of offsets) marks.set(partition, { offset, leaderEpoch: epochs.get(partition)! });
      const batch = { batch: sink.cut(), count };
      count = 0;
      offsets = new Map();
      epochs = new Map();
      let committed: Promise<void> | undefined;
      return {
        ...batch,
        commit: () => {
          committed ??= lastCommit = lastCommit.then(
            () => commitMarks(consumer, topic, marks),
            () => commitMarks(consumer, topic, marks),
          );
          return committed;
        },
      };
    };
    const onData = (message: BufferMessage) => {
      if (failure || signal?.aborted) return; // the batch being built is dropped, never committed
      sink.add(message.partition, message.offset, Number(message.timestamp), message.value ?? EMPTY);
      if (count++ === 0) firstPendingAt = Date.now();
      offsets.set(message.partition, message.offset);
      epochs.set(message.partition, message.leaderEpoch);
      if (count >= maxBatch) {
        ready.push(cut());
        if (stream) updateFlow(stream);
        wakeUp();
      } else if (count === 1) wakeUp(); // starts the linger
    };

    try {
      stream = await consumer.consume({
        topics: [topic],
        mode: 'committed',
        fallbackMode: 'earliest',
        autocommit: false,
      });
      const s = stream;
      s.on('offsets', onOffsets);
      s.on('error', onError);
      s.on('end', onEnd);
      s.on('close', onEnd);
      consumer.on('consumer:group:join', onJoin);
      this.#log(`kafka: ${options.group} member ${consumer.memberId} assigned partitions [${assigned()?.join(',')}]`);
      void seekToStartPositions(s);
      s.on('data', onData);

      for (;;) {
        if (failure) throw failure;
        if (signal?.aborted) return; // records not yet yielded are dropped, not committed

        const now = Date.now();
        if (ready.length === 0 && count > 0 && (now - firstPendingAt >= tuning.lingerMs || ended)) ready.push(cut());
        if (ready.length > 0) {
          lastActivity = now;
          const next = ready.shift()!;
          updateFlow(s);
          yield next;
          continue;
        }
        if (ended) return;

        let waitMs = 1_000;
        if (count > 0) {
          waitMs = firstPendingAt + tuning.lingerMs - now;
        } else if (untilIdle) {
          if (now - lastActivity >= tuning.quietMs && now >= nextIdleCheck && offsetsReady && seeking === 0) {
            if (await this.#caughtUp(consumer, s, assigned)) {
              this.#log(`kafka: ${options.group} caught up`);
              return;
            }
            nextIdleCheck = Date.now() + tuning.quietMs / 2;
            continue;
          }
          waitMs = Math.max(10, Math.min(lastActivity + tuning.quietMs, nextIdleCheck) - now);
        }
        await sleepUntilWoken(waitMs);
      }
    } finally {
      stream?.off('data', onData);
      signal?.removeEventListener('abort', wakeUp);
      consumer.off('consumer:group:join', onJoin);
      await options.beforeClose?.().catch(() => {});
      await lastCommit.catch(() => {});
      if (stream) {
        stream.off('offsets', onOffsets);
        await stream.close().catch((error: Error) => this.#log(`kafka: closing stream: ${error.message}`));
      }
      await consumer.close(true).catch((error: Error) => this.#log(`kafka: leaving group: ${error.message}`));
      this.#consumers.delete(consumer);
    }
  }

  /** True when the buffer is empty and every assigned partition's fetch position reached the end offset. */
  async #caughtUp(consumer: Consumer, stream: MessagesStream<Buffer, Buffer, Buffer, Buffer>, assigned: () => number[] | null): Promise<boolean> {
    if (stream.readableLength > 0) return false;
    const partitions = assigned();
    if (partitions === null) return false;
    if (partitions.length === 0) return true;
    const ends = await consumer.listOffsets({
      topics: [this.topic],
      partitions: { [this.topic]: partitions },
      timestamp: ListOffsetTimestamps.LATEST,
    });
    const topicEnds = ends.get(this.topic);
    if (!topicEnds) return false;
    const current = assigned();
    if (!current || current.join(',') !== partitions.join(',')) return false; // rebalanced meanwhile
    for (const partition of partitions) {
      const end = topicEnds[partition];
      const position = stream.offsetsToFetch.get(`${this.topic}:${partition}`);
      if (end === undefined || position === undefined || position < end) return false;
    }
    return stream.readableLength === 0;
  }

  async lag(group: string): Promise<PartitionLag[]> {
    const admin = this.#adminClient();
    const topic = this.topic;
    const metadata = await admin.metadata({ topics: [topic], forceUpdate: true });
    const info = metadata.topics.get(topic);
    if (!info) throw new Error(`kafka: topic ${topic} not found`);
    const partitions = Array.from({ length: info.partitionsCount }, (_, i) => i);
    const [committedGroups, listed] = await Promise.all([
      admin.listConsumerGroupOffsets({ groups: [{ groupId: group, topics: [{ name: topic, partitionIndexes: partitions }] }] }),
      admin.listOffsets({
        topics: [{ name: topic, partitions: partitions.map((partition) => ({ partitionIndex: partition, timestamp: ListOffsetTimestamps.LATEST })) }],
      }),
    ]);
    const committed = new Map<number, bigint>();
    for (const g of committedGroups) {
      for (const t of g.topics) {
        if (t.name !== topic) continue;
        for (const p of t.partitions) committed.set(p.partitionIndex, p.committedOffset);
      }
    }
    const ends = new Map<number, bigint>();
    for (const t of listed) {
      if (t.name !== topic) continue;
      for (const p of t.partitions) ends.set(p.partitionIndex, p.offset);
    }
    return partitions.map((partition) => {
      const position = committed.get(partition) ?? -1n;
      return { partition, position: position < 0n ? 0n : position, end: ends.get(partition) ?? 0n };
    });
  }

  async countBefore(positions: ReadonlyMap<number, bigint>) {
    const partitions = [...positions.keys()];
    if (partitions.length === 0) return [];
    const listed = await this.#adminClient().listOffsets({
      topics: [
        { name: this.topic, partitions: partitions.map((partition) => ({ partitionIndex: partition, timestamp: ListOffsetTimestamps.EARLIEST })) },
      ],
    });
    const earliest = new Map<number, bigint>();
    for (const t of listed) if (t.name === this.topic) for (const p of t.partitions) earliest.set(p.partitionIndex, p.offset);
    // Offsets are contiguous in a plain (non-compacted, non-transactional) topic: position − earliest records.
    return partitions.map((partition) => {
      const start = earliest.get(partition) ?? 0n;
      const position = positions.get(partition)!;
      return { partition, records: position > start ? position - start : 0n, complete: start === 0n };
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const closing: Promise<unknown>[] = [];
    if (this.#producer) closing.push(this.#producer.close(true));
    for (const consumer of this.#consumers) closing.push(consumer.close(true));
    if (this.#admin) closing.push(this.#admin.close());
    const results = await Promise.allSettled(closing);
    this.#producer = undefined;
    this.#admin = undefined;
    this.#consumers.clear();
    for (const r of results) if (r.status === 'rejected') this.#log(`kafka: close: ${(r.reason as Error).message}`);
  }
}

async function commitMarks(consumer: Consumer, topic: string, marks: Map<number, PartitionMark>): Promise<void> {
  if (marks.size === 0) return;
  const offsets = [];
  for (const [partition, mark] of marks) {
    offsets.push({ topic, partition, offset: mark.offset + 1n, leaderEpoch: mark.leaderEpoch });
  }
  await consumer.commit({ offsets });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
