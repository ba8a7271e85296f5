/**
 * KafkaEventLog.append: the idempotent producer (acks=all), each record sent to the partition its key
 * picks with Kafka's own default partitioner (murmur2 of the key, as the Java client computes it, so
 * other producers keyed by transaction_id agree), records without a key spread round-robin. Sends go in
 * chunks under the broker's per-batch limit. A record the broker refuses is reported and the rest are
 * still published: one larger than the topic's max.message.bytes is refused before sending; when a send
 * fails for some partitions (a partition's batch is all or nothing), the records of those partitions are
 * sent again one by one, so exactly the refused ones stay out and the others keep their order.
 */
import { type Admin, ProduceAcks, Producer, type Serializers, stringSerializers } from '@platformatic/kafka';
import { murmur2 } from './murmur2.ts';
import type { AppendRecord, AppendResult } from '../port.ts';
import type { KafkaTuning } from './tuning.ts';

/** Bytes a one-record batch adds to its key and value (batch header, record header, varints): a generous bound. */
const RECORD_OVERHEAD = 128;
/** The broker's default max.message.bytes, when the topic's cannot be read. */
const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

type Value = string | Uint8Array;

interface Placed {
  index: number;
  partition: number;
  key?: string;
  value: Value;
  bytes: number;
}

/** Keys as UTF-8 text; values as they are: bytes exactly, text as UTF-8. */
const serializers: Serializers<string, Value, string, string> = {
  ...stringSerializers,
  value: (v?: Value) =>
    v === undefined ? undefined : typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v.buffer, v.byteOffset, v.byteLength),
};

/** The partition Kafka's default partitioner gives a key: positive murmur2 of its UTF-8 bytes, modulo the partitions. */
export function partitionForKey(key: string, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions;
}

export class KafkaAppender {
  readonly #client: Record<string, unknown>;
  readonly #topic: string;
  readonly #tuning: KafkaTuning;
  readonly #admin: () => Admin;
  #producer: Producer<string, Value, string, string> | undefined;
  #layout: Promise<{ partitions: number; maxMessageBytes: number }> | undefined;
  #roundRobin = 0;

  constructor(client: Record<string, unknown>, topic: string, tuning: KafkaTuning, admin: () => Admin) {
    this.#client = client;
    this.#topic = topic;
    this.#tuning = tuning;
    this.#admin = admin;
  }

  /** The topic's partition count and max.message.bytes, read once. */
  #topicLayout(): Promise<{ partitions: number; maxMessageBytes: number }> {
    this.#layout ??= (async () => {
      const admin = this.#admin();
      const metadata = await admin.metadata({ topics: [this.#topic], forceUpdate: true });
      const info = metadata.topics.get(this.#topic);
      if (!info) throw new Error(`kafka: topic ${this.#topic} not found`);
      let maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
      try {
        const [resource] = await admin.describeConfigs({
          resources: [{ resourceType: 2, resourceName: this.#topic, configurationKeys: ['max.message.bytes'] }],
        });
        const value = Number(resource?.configs.find((c) => c.name === 'max.message.bytes')?.value);
        if (Number.isFinite(value) && value > 0) maxMessageBytes = value;
      } catch {
        // Not allowed to describe configs (ACLs): the broker's default, and its own answer per send.
      }
      return { partitions: info.partitionsCount, maxMessageBytes };
    })();
    this.#layout.catch(() => (this.#layout = undefined));
    return this.#layout;
  }

  #getProducer(): Producer<string, Value, string, string> {
    this.#producer ??= new Producer<string, Value, string, string>({
      ...this.#client,
      clientId: `${this.#client.clientId as string}-producer`,
      serializers,
      idempotent: true,
      acks: ProduceAcks.ALL,
    } as ConstructorParameters<typeof Producer<string, Value, string, string>>[0]);
    return this.#producer;
  }

  async append(records: readonly AppendRecord[]): Promise<AppendResult> {
    const refused: AppendResult['refused'] = [];
    if (records.length === 0) return { refused };
    const { partitions, maxMessageBytes } = await this.#topicLayout();
    const placed: Placed[] = [];
    for (let index = 0; index < records.length; index++) {
      const { key, value } = records[index]!;
      const bytes =
        (typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : value.length) + (key === undefined ? 0 : Buffer.byteLength(key, 'utf8'));
      if (bytes + RECORD_OVERHEAD > maxMessageBytes) {
        refused.push({ index, reason: `${bytes} bytes, larger than the topic's max.message.bytes (${maxMessageBytes})` });
        continue;
      }
      const partition = key === undefined ? this.#roundRobin++ % partitions : partitionForKey(key, partitions);
      placed.push({ index, partition, key, value, bytes });
    }
    const chunkBytes = Math.min(this.#tuning.produceChunkBytes, maxMessageBytes - RECORD_OVERHEAD);
    let start = 0;
    while (start < placed.length) {
      let end = start;
      let bytes = 0;
      while (end < placed.length && end - start < this.#tuning.produceChunkRecords) {
        const size = placed[end]!.bytes + 30;
        if (end > start && bytes + size > chunkBytes) break;
        bytes += size;
        end++;
      }
      await this.#send(placed.slice(start, end), refused);
      start = end;
    }
    refused.sort((a, b) => a.index - b.index);
    return { refused };
  }

  async #send(chunk: Placed[], refused: AppendResult['refused']): Promise<void> {
    try {
      await this.#sendAll(chunk);
      return;
    } catch (error) {
      const failed = failedPartitions(error);
      if (failed === null) throw error;
      for (const record of chunk.filter((r) => failed.has(r.partition))) {
        try {
          await this.#sendAll([record]);
        } catch (single) {
          if (failedPartitions(single) === null) throw single;
          refused.push({ index: record.index, reason: refusalReason(single) });
        }
      }
    }
  }

  async #sendAll(chunk: Placed[]): Promise<void> {
    const topic = this.#topic;
    await this.#getProducer().send({ messages: chunk.map((r) => ({ topic, partition: r.partition, key: r.key, value: r.value })) });
  }

  async close(): Promise<void> {
    await this.#producer?.close(true);
    this.#producer = undefined;
  }
}

interface PartitionResponse {
  index: number;
  errorCode: number;
}

/**
 * The partitions a failed send's broker responses refused, or null when the error does not say (a
 * network failure, a timeout): then nothing tells which records landed, and the caller gives up.
 */
function failedPartitions(error: unknown): Set<number> | null {
  const parts = (error as { errors?: unknown[] }).errors ?? [error];
  const failed = new Set<number>();
  for (const part of parts) {
    const responses = (part as { response?: { responses?: { partitionResponses?: PartitionResponse[] }[] } }).response?.responses;
    if (!responses) return null;
    for (const r of responses) for (const p of r.partitionResponses ?? []) if (p.errorCode !== 0) failed.add(p.index);
  }
  return failed.size > 0 ? failed : null;
}

/** The broker's own words for a one-record send it refused, e.g. "MESSAGE_TOO_LARGE: The request included …". */
function refusalReason(error: unknown): string {
  for (const part of (error as { errors?: unknown[] }).errors ?? []) {
    for (const e of (part as { errors?: { apiId?: string; message?: string }[] }).errors ?? []) {
      if (e.apiId || e.message) return [e.apiId, e.message].filter(Boolean).join(': ');
    }
  }
  return (error as Error).message;
}
