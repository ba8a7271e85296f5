/**
 * Reading the dead_letters table for people: newest first with a payload preview, or one letter whole,
 * named by an ID a person can type: `topic/partition/offset`, or `partition:offset` on the configured
 * topic. `txpipe dead-letters`, /api/dead-letters and the dashboard read through these.
 */
import { sql } from '../sql.ts';
import type { Queryable } from '../warehouse/port.ts';

/** Characters of payload a list shows per letter. */
export const PREVIEW_CHARS = 200;

/** Where a message sat in the log: the dead letter's primary key. */
export interface DeadLetterKey {
  topic: string;
  partition: number;
  /** A decimal string: Kafka offsets are int64. */
  offset: string;
}

export interface DeadLetterSummary extends DeadLetterKey {
  /** `topic/partition/offset`, what `txpipe dead-letters show` takes. */
  id: string;
  /** RFC 3339 UTC: when the ingest stored it. */
  received_at: string;
  reason: string;
  /** Size of the whole payload in UTF-8 bytes. */
  payload_bytes: number;
  /** The first PREVIEW_CHARS characters of the payload, as stored. */
  payload_preview: string;
  /** Whether the preview is shorter than the payload. */
  payload_truncated: boolean;
}

export interface DeadLetter extends DeadLetterKey {
  id: string;
  received_at: string;
  reason: string;
  payload_bytes: number;
  /** The whole payload, as stored (invalid UTF-8 was replaced by U+FFFD at ingest, NUL written as \u0000). */
  payload: string;
}

export interface DeadLetterQuery {
  limit: number;
  /** Only letters whose reason contains this text (case-insensitive). */
  reason?: string;
}

export function deadLetterId(k: DeadLetterKey): string {
  return `${k.topic}/${k.partition}/${k.offset}`;
}

const TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;
const PARTITION = /^\d{1,10}$/;
const OFFSET = /^\d{1,19}$/;
const INT32_MAX = 2 ** 31 - 1;
const INT64_MAX = 2n ** 63n - 1n;

/** Parses `topic/partition/offset` or `partition:offset` (on `topic`); null when it is neither. */
export function parseDeadLetterId(id: string, topic: string): DeadLetterKey | null {
  const text = id.trim();
  const short = /^(\d+):(\d+)$/.exec(text);
  const long = /^([^/]+)\/(\d+)\/(\d+)$/.exec(text);
  const parts = short ? [topic, short[1]!, short[2]!] : long ? [long[1]!, long[2]!, long[3]!] : null;
  if (!parts) return null;
  return keyOf(parts[0]!, parts[1]!, parts[2]!);
}

/** A key from its three parts (as they come in a URL), or null when one is out of range. */
export function keyOf(topic: string, partition: string, offset: string): DeadLetterKey | null {
  if (!TOPIC.test(topic) || !PARTITION.test(partition) || !OFFSET.test(offset)) return null;
  if (Number(partition) > INT32_MAX || BigInt(offset) > INT64_MAX) return null;
  return { topic, partition: Number(partition), offset: BigInt(offset).toString() };
}

interface ListRow {
  topic: string;
  partition: number;
  offset: string;
  received_at: string;
  reason: string;
  payload_preview: string;
  payload_bytes: number;
  payload_truncated: boolean;
}

export async function readDeadLetters(db: Queryable, q: DeadLetterQuery): Promise<DeadLetterSummary[]> {
  const rows = await db.query<ListRow>(sql('dead_letters/list'), [q.limit, q.reason ?? null, PREVIEW_CHARS]);
  return rows.map((r) => ({
    id: deadLetterId(r),
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    received_at: r.received_at,
    reason: r.reason,
    payload_bytes: r.payload_bytes,
    payload_preview: r.payload_preview,
    payload_truncated: r.payload_truncated,
  }));
}

export async function readDeadLetter(db: Queryable, key: DeadLetterKey): Promise<DeadLetter | null> {
  const [r] = await db.query<Omit<DeadLetter, 'id'>>(sql('dead_letters/show'), [key.topic, key.partition, key.offset]);
  if (!r) return null;
  return {
    id: deadLetterId(r),
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    received_at: r.received_at,
    reason: r.reason,
    payload_bytes: r.payload_bytes,
    payload: r.payload,
  };
}
