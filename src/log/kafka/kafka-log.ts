/**
 * EventLog on Apache Kafka through @platformatic/kafka (pure JS client). The parts, one job each:
 * - kafka-appender.ts: append (idempotent producer, keyed partitioning, refused records reported);
 * - kafka-subscription.ts: consume (one group member, records to the sink as they arrive, batches);
 * - this file: the topic (ensureTopic), lag and reconcile counts through the admin client, and close.
 */
import { Admin, findErrorBy, ListOffsetTimestamps } from '@platformatic/kafka';
import type { KafkaSettings } from '../../config.ts';
import { describeError } from '../../cli/errors.ts';
import { isOutage } from '../../observe/outage.ts';
import {
  type AppendRecord,
  type AppendResult,
  type ConsumeOptions,
  type EventLog,
  LogUnreachableError,
  type PartitionLag,
  type RecordSink,
  type Subscription,
  TopicMissingError,
} from '../port.ts';
import { kafkaSecurityOptions, type KafkaSecurityOptions } from './connection-options.ts';
import { KafkaAppender } from './kafka-appender.ts';
import { KafkaSubscription } from './kafka-subscription.ts';
import { defaultKafkaTuning, type KafkaTuning } from './tuning.ts';

export { defaultKafkaTuning, type KafkaTuning } from './tuning.ts';

export class KafkaEventLog implements EventLog {
  readonly kind = 'kafka' as const;
  readonly topic: string;
  readonly #settings: KafkaSettings;
  readonly #log: (line: string) => void;
  readonly #tuning: KafkaTuning;
  #security: KafkaSecurityOptions | undefined;
  #admin: Admin | undefined;
  #appender: KafkaAppender | undefined;
  readonly #subscriptions = new Set<Subscription<unknown>>();
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

  /** Options every client of this log shares: brokers, client id (suffixed per client), TLS and SASL. */
  #client(): Record<string, unknown> {
    this.#ensureOpen();
    this.#security ??= kafkaSecurityOptions(this.#settings);
    return { clientId: this.#settings.clientId, bootstrapBrokers: this.#settings.brokers, autocreateTopics: false, ...this.#security };
  }

  #ensureOpen(): void {
    if (this.#closed) throw new Error('KafkaEventLog is closed');
  }

  #adminClient(): Admin {
    this.#admin ??= new Admin({ ...this.#client(), clientId: `${this.#settings.clientId}-admin` } as ConstructorParameters<typeof Admin>[0]);
    return this.#admin;
  }

  /** An admin call whose outage (after the client's own tries) says which setting and brokers did not answer. */
  async #named<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw this.#unreachable(error);
    }
  }

  /** An outage as LogUnreachableError naming KAFKA_BROKERS (still an outage: its cause is the client's error); others as they are. */
  readonly #unreachable = (error: unknown): unknown =>
    isOutage(error) && !(error instanceof LogUnreachableError)
      ? new LogUnreachableError(`KAFKA_BROKERS: cannot reach Kafka at ${this.#settings.brokers.join(',')} (${describeError(error)})`, {
          cause: error,
        })
      : error;

  ensureTopic(): Promise<void> {
    return this.#named(() => this.#ensureTopic());
  }

  async #ensureTopic(): Promise<void> {
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

  append(records: readonly AppendRecord[]): Promise<AppendResult> {
    this.#appender ??= new KafkaAppender(this.#client(), this.topic, this.#tuning, () => this.#adminClient());
    return this.#appender.append(records);
  }

  consume<B>(options: ConsumeOptions, sink: RecordSink<B>): Subscription<B> {
    const subscription: KafkaSubscription<B> = new KafkaSubscription<B>(
      {
        client: this.#client(),
        topic: this.topic,
        tuning: this.#tuning,
        log: this.#log,
        onClose: () => this.#subscriptions.delete(subscription),
        named: this.#unreachable,
      },
      options,
      sink,
    );
    this.#subscriptions.add(subscription);
    return subscription;
  }

  lag(group: string): Promise<PartitionLag[]> {
    return this.#named(() => this.#lag(group));
  }

  async #lag(group: string): Promise<PartitionLag[]> {
    const admin = this.#adminClient();
    const topic = this.topic;
    const missing = () => new TopicMissingError(`topic ${topic} does not exist yet`);
    const metadata = await admin.metadata({ topics: [topic], forceUpdate: true }).catch((error: unknown) => {
      throw error instanceof Error && /^Unknown topic /.test(error.message) ? missing() : error;
    });
    const info = metadata.topics.get(topic);
    if (!info) throw missing();
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

  countBefore(positions: ReadonlyMap<number, bigint>) {
    return this.#named(() => this.#countBefore(positions));
  }

  async #countBefore(positions: ReadonlyMap<number, bigint>) {
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
    const closing: Promise<unknown>[] = [...this.#subscriptions].map((s) => s.close());
    if (this.#appender) closing.push(this.#appender.close());
    if (this.#admin) closing.push(this.#admin.close());
    const results = await Promise.allSettled(closing);
    this.#appender = undefined;
    this.#admin = undefined;
    this.#subscriptions.clear();
    for (const r of results) if (r.status === 'rejected') this.#log(`kafka: close: ${(r.reason as Error).message}`);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
