/**
 * The embedded topic: an append-only log table (txpipe_log) inside the warehouse itself.
 * Used when no Kafka is configured. One partition (0). The consumer position is the
 * consumer_offsets row that the ingest transaction writes, so position and raw rows commit together.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from '../../sql.ts';
import type { Warehouse } from '../../warehouse/port.ts';
import type { AppendRecord, AppendResult, ConsumeOptions, EventLog, LogBatch, PartitionLag, RecordSink, Subscription } from '../port.ts';
import { formatEpochMs } from '../../events/timestamp.ts';
import { lockKey } from '../../warehouse/lock-key.ts';
import { readConsumerOffsets } from '../../warehouse/consumer-offsets.ts';

const APPEND_CHUNK = 5000;
/** Payload bytes per append statement at most (a record larger than this goes alone): bounds its hex text. */
const APPEND_CHUNK_BYTES = 8 * 1024 * 1024;

export interface EmbeddedLogOptions {
  /** How often a following consumer looks for new records when idle. */
  pollMs?: number;
}

export class EmbeddedEventLog implements EventLog {
  readonly kind = 'embedded' as const;
  readonly topic: string;
  readonly #warehouse: Warehouse;
  readonly #pollMs: number;

  constructor(warehouse: Warehouse, topic: string, options: EmbeddedLogOptions = {}) {
    this.#warehouse = warehouse;
    this.topic = topic;
    this.#pollMs = options.pollMs ?? 200;
  }

  async ensureTopic(): Promise<void> {
    // The log table comes with the migrations; a topic is just a value in it.
  }

  /**
   * One partition: keys change nothing here, and the table takes any size. Payloads are stored as their
   * exact bytes (bytea): invalid UTF-8 and NUL stay what they were, for the ingest to judge.
   */
  async append(records: readonly AppendRecord[]): Promise<AppendResult> {
    let i = 0;
    while (i < records.length) {
      // As hex text, decoded in the statement: the same on both warehouse drivers.
      const chunk: string[] = [];
      let bytes = 0;
      while (i < records.length && chunk.length < APPEND_CHUNK) {
        const v = records[i]!.value;
        const b = typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
        if (chunk.length > 0 && bytes + b.length > APPEND_CHUNK_BYTES) break;
        chunk.push(Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex'));
        bytes += b.length;
        i++;
      }
      await this.#warehouse.transaction(async (tx) => {
        await tx.query(sql('log/lock_topic'), [lockKey(`txpipe_log:${this.topic}`).toString()]);
        await tx.query(sql('log/append'), [this.topic, formatEpochMs(Date.now()), chunk]);
      });
    }
    return { refused: [] };
  }

  consume<B>(options: ConsumeOptions, sink: RecordSink<B>): Subscription<B> {
    return { [Symbol.asyncIterator]: () => this.#read(options, sink), close: async () => {} };
  }

  async *#read<B>(options: ConsumeOptions, sink: RecordSink<B>): AsyncGenerator<LogBatch<B>> {
    const { signal } = options;
    // Read the start once; afterwards follow it in memory, so the next batch can be read while the
    // previous one is still being written (its position commits with it).
    let position = (await options.startAt?.([0]))?.get(0) ?? (await this.#position(options.group));
    while (!signal?.aborted) {
      // In key order straight off the primary key, whatever the statistics say: before the first
      // (auto)analyze of a freshly filled log, the planner guessed a few thousand rows and read every
      // row past the position, then sorted them, for each batch (10× slower).
      const rows = await this.#warehouse.transaction(async (tx) => {
        await tx.query(sql('log/read_in_key_order'));
        return tx.query<{ offset: string; ts: number; payload_hex: string }>(sql('log/read'), [this.topic, position.toString(), options.maxBatch]);
      });
      if (rows.length === 0) {
        if (options.untilIdle) return;
        try {
          await sleep(this.#pollMs, undefined, { signal });
        } catch {
          return; // aborted while idle
        }
        continue;
      }
      for (const r of rows) {
        position = BigInt(r.offset);
        sink.add(0, position, Math.floor(r.ts), Buffer.from(r.payload_hex, 'hex'));
      }
      position += 1n;
      yield { batch: sink.cut(), count: rows.length, commit: async () => {} };
    }
  }

  /** The group's committed position: the consumer_offsets row the ingest writes with its rows. */
  async #position(group: string): Promise<bigint> {
    return (await readConsumerOffsets(this.#warehouse, { group, topic: this.topic })).get(0) ?? 0n;
  }

  async lag(group: string): Promise<PartitionLag[]> {
    const position = await this.#position(group);
    const [row] = await this.#warehouse.query<{ remaining: string }>(sql('log/remaining'), [this.topic, position.toString()]);
    // Offsets may have gaps, so "end" is the position plus the records left, not max(offset) + 1.
    return [{ partition: 0, position, end: position + BigInt(row?.remaining ?? '0') }];
  }

  async countBefore(positions: ReadonlyMap<number, bigint>) {
    const position = positions.get(0) ?? 0n;
    const [row] = await this.#warehouse.query<{ n: string }>(sql('log/count_before'), [this.topic, position.toString()]);
    return [{ partition: 0, records: BigInt(row?.n ?? '0'), complete: true }];
  }

  async close(): Promise<void> {
    // The warehouse belongs to the caller.
  }
}
