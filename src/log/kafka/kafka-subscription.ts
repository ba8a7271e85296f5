/**
 * One consumer-group member reading the topic (KafkaEventLog.consume): it joins the group without
 * autocommit, starts each assigned partition where `startAt` says (the warehouse positions), hands every
 * record to the sink the moment the client's stream emits it (flowing mode, so the client's per-message
 * objects die young), and cuts batches at `maxBatch` records or after a short linger. The stream pauses
 * only while a seek is in progress or `readAhead` cut batches wait for the consumer.
 */
import { Consumer, ListOffsetTimestamps, type Message, type MessagesStream } from '@platformatic/kafka';
import type { ConsumeOptions, LogBatch, RecordSink, Subscription } from '../port.ts';
import { BatchCutter, type CommitMark } from './batch-cutter.ts';
import { fetchPosition, seekStream } from './seek.ts';
import type { KafkaTuning } from './tuning.ts';
import { Waker } from './waker.ts';

type Stream = MessagesStream<Buffer, Buffer, Buffer, Buffer>;
type BufferMessage = Message<Buffer, Buffer, Buffer, Buffer>;

/** A null value (a tombstone, or a producer outside txpipe) is read as an empty payload. */
const EMPTY = new Uint8Array(0);

export interface SubscriptionDeps {
  /** Client options shared by every client of the log (brokers, client id, TLS, SASL). */
  client: Record<string, unknown>;
  topic: string;
  tuning: KafkaTuning;
  log: (line: string) => void;
  /** Called once the member has left the group. */
  onClose: () => void;
  /** The error a reader gets for a failure: an outage names the setting and the brokers (KafkaEventLog). */
  named: (error: unknown) => unknown;
}

export class KafkaSubscription<B> implements Subscription<B> {
  readonly #deps: SubscriptionDeps;
  readonly #options: ConsumeOptions & { readAhead: number };
  readonly #consumer: Consumer<Buffer, Buffer, Buffer, Buffer>;
  readonly #cutter: BatchCutter<B>;
  readonly #waker = new Waker();
  /** Cut batches the consumer has not taken yet. */
  readonly #ready: LogBatch<B>[] = [];
  #stream: Stream | undefined;
  #failure: Error | undefined;
  #ended = false;
  /** False between a group (re)join and the end of the stream's own offsets refresh. */
  #offsetsReady = false;
  #seeking = 0;
  #reading = false;
  #closed: Promise<void> | undefined;

  constructor(deps: SubscriptionDeps, options: ConsumeOptions, sink: RecordSink<B>) {
    this.#deps = deps;
    this.#options = { ...options, maxBatch: Math.max(1, options.maxBatch), readAhead: Math.max(1, options.readAhead ?? 1) };
    const t = deps.tuning;
    this.#consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>({
      ...deps.client,
      clientId: `${deps.client.clientId as string}-consumer`,
      groupId: options.group,
      autocommit: false,
      sessionTimeout: t.sessionTimeout,
      rebalanceTimeout: t.rebalanceTimeout,
      heartbeatInterval: t.heartbeatInterval,
      minBytes: t.minBytes,
      maxBytes: t.maxBytes,
      maxBytesPerPartition: Math.ceil(t.maxBytes / 2),
      maxWaitTime: t.maxWaitTime,
      highWaterMark: t.bufferedMessages,
    } as ConstructorParameters<typeof Consumer<Buffer, Buffer, Buffer, Buffer>>[0]);
    this.#cutter = new BatchCutter(sink);
  }

  /** The partitions of the topic this member owns, sorted; null while it has no assignment. */
  #assigned(): number[] | null {
    const assignments = this.#consumer.assignments;
    if (assignments === null) return null;
    return (
      assignments
        .find((a) => a.topic === this.#deps.topic)
        ?.partitions.slice()
        .sort((a, b) => a - b) ?? []
    );
  }

  readonly #onData = (message: BufferMessage) => {
    if (this.#failure || this.#options.signal?.aborted) return; // the batch being built is dropped, never committed
    this.#cutter.add(message.partition, message.offset, message.leaderEpoch, Number(message.timestamp), message.value ?? EMPTY);
    if (this.#cutter.count >= this.#options.maxBatch) this.#cut();
    else if (this.#cutter.count === 1) this.#waker.wake(); // starts the linger
  };
  readonly #onError = (error: Error) => {
    this.#failure ??= error;
    this.#waker.wake();
  };
  readonly #onEnd = () => {
    this.#ended = true;
    this.#waker.wake();
  };
  readonly #onOffsets = () => {
    this.#offsetsReady = true;
    this.#waker.wake();
  };
  readonly #onJoin = () => {
    this.#offsetsReady = false;
    this.#logAssignment();
    if (this.#stream) void this.#seekToStart(this.#stream);
  };

  #logAssignment(): void {
    this.#deps.log(`kafka: ${this.#options.group} member ${this.#consumer.memberId} assigned partitions [${this.#assigned()?.join(',')}]`);
  }

  #cut(): void {
    this.#ready.push(this.#cutter.cut((marks) => this.#commit(marks)));
    this.#updateFlow();
    this.#waker.wake();
  }

  async #commit(marks: CommitMark[]): Promise<void> {
    if (marks.length === 0) return;
    const offsets = marks.map((m) => ({ topic: this.#deps.topic, partition: m.partition, offset: m.offset + 1n, leaderEpoch: m.leaderEpoch }));
    await this.#consumer.commit({ offsets });
  }

  /** Flowing unless a seek is in progress or the consumer has `readAhead` batches waiting. */
  #updateFlow(): void {
    const s = this.#stream;
    if (!s || s.destroyed) return;
    const hold = !this.#reading || this.#seeking > 0 || this.#ready.length >= this.#options.readAhead;
    if (hold && !s.isPaused()) s.pause();
    else if (!hold && s.isPaused()) s.resume();
  }

  /**
   * After each assignment: pause the fetches, wait for the stream's own offsets refresh (committed
   * offsets), then override it with the positions `startAt` gives, and resume.
   */
  async #seekToStart(s: Stream): Promise<void> {
    const startAt = this.#options.startAt;
    if (!startAt) return;
    this.#seeking++;
    this.#updateFlow();
    try {
      const partitions = this.#assigned() ?? [];
      const refreshed = this.#offsetsReady
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
      const [positions] = await Promise.all([partitions.length > 0 ? startAt(partitions) : Promise.resolve(new Map<number, bigint>()), refreshed]);
      seekStream(s, this.#deps.topic, positions, new Set(this.#assigned() ?? []));
    } catch (error) {
      this.#failure ??= error as Error;
    } finally {
      this.#seeking--;
      this.#updateFlow();
      this.#waker.wake();
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<LogBatch<B>> {
    const { signal, untilIdle } = this.#options;
    const tuning = this.#deps.tuning;
    if (signal?.aborted) return;
    const wake = () => this.#waker.wake();
    signal?.addEventListener('abort', wake);
    this.#reading = true;
    try {
      const s = await this.#open();
      let lastActivity = Date.now();
      let nextIdleCheck = 0;
      for (;;) {
        if (this.#failure) throw this.#failure;
        if (signal?.aborted) return; // records not yet yielded are dropped, not committed

        const now = Date.now();
        const pending = this.#cutter.count;
        if (this.#ready.length === 0 && pending > 0 && (now - this.#cutter.firstPendingAt >= tuning.lingerMs || this.#ended)) this.#cut();
        if (this.#ready.length > 0) {
          lastActivity = now;
          const next = this.#ready.shift()!;
          this.#updateFlow();
          yield next;
          continue;
        }
        if (this.#ended) return;

        let waitMs = 1_000;
        if (pending > 0) {
          waitMs = this.#cutter.firstPendingAt + tuning.lingerMs - now;
        } else if (untilIdle) {
          if (now - lastActivity >= tuning.quietMs && now >= nextIdleCheck && this.#offsetsReady && this.#seeking === 0) {
            if (await this.#caughtUp(s)) {
              this.#deps.log(`kafka: ${this.#options.group} caught up`);
              return;
            }
            nextIdleCheck = Date.now() + tuning.quietMs / 2;
            continue;
          }
          waitMs = Math.max(10, Math.min(lastActivity + tuning.quietMs, nextIdleCheck) - now);
        }
        await this.#waker.sleep(waitMs);
      }
    } catch (error) {
      throw this.#deps.named(error);
    } finally {
      // The member stays in the group (its last batches may still be committing) but reads no more.
      this.#reading = false;
      this.#updateFlow();
      signal?.removeEventListener('abort', wake);
    }
  }

  async #open(): Promise<Stream> {
    if (this.#stream) return this.#stream;
    const s = (await this.#consumer.consume({
      topics: [this.#deps.topic],
      mode: 'committed',
      fallbackMode: 'earliest',
      autocommit: false,
    })) as Stream;
    this.#stream = s;
    s.on('offsets', this.#onOffsets);
    s.on('error', this.#onError);
    s.on('end', this.#onEnd);
    s.on('close', this.#onEnd);
    this.#consumer.on('consumer:group:join', this.#onJoin);
    this.#logAssignment();
    void this.#seekToStart(s);
    s.on('data', this.#onData);
    this.#updateFlow();
    return s;
  }

  /** True when the buffer is empty and every assigned partition's fetch position reached the end offset. */
  async #caughtUp(stream: Stream): Promise<boolean> {
    if (stream.readableLength > 0) return false;
    const partitions = this.#assigned();
    if (partitions === null) return false;
    if (partitions.length === 0) return true;
    const topic = this.#deps.topic;
    const ends = await this.#consumer.listOffsets({ topics: [topic], partitions: { [topic]: partitions }, timestamp: ListOffsetTimestamps.LATEST });
    const topicEnds = ends.get(topic);
    if (!topicEnds) return false;
    const current = this.#assigned();
    if (!current || current.join(',') !== partitions.join(',')) return false; // rebalanced meanwhile
    for (const partition of partitions) {
      const end = topicEnds[partition];
      const position = fetchPosition(stream, topic, partition);
      if (end === undefined || position === undefined || position < end) return false;
    }
    return stream.readableLength === 0;
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      const s = this.#stream;
      this.#consumer.off('consumer:group:join', this.#onJoin);
      if (s) {
        s.off('data', this.#onData);
        s.off('offsets', this.#onOffsets);
        await s.close().catch((error: Error) => this.#deps.log(`kafka: closing stream: ${error.message}`));
      }
      await this.#consumer.close(true).catch((error: Error) => this.#deps.log(`kafka: leaving group: ${error.message}`));
      this.#deps.onClose();
    })();
    return this.#closed;
  }
}
