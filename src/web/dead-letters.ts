/**
 * Reading the dead_letters table for people: newest first with a payload preview, or one letter whole,
 * named by an ID a person can type: `topic/partition/offset`, or `partition:offset` on the configured
 * topic. `txpipe dead-letters`, /api/dead-letters and the dashboard read through these.
 */
import { sql } from '../sql.ts';
import type { Queryable } from '../warehouse/port.ts';

/** Characters of payload a list shows per letter. */
export const PREVIEW_CHARS = 200;
/** Bytes read for a preview: enough for PREVIEW_CHARS characters of any UTF-8 text. */
const PREVIEW_BYTES = PREVIEW_CHARS * 4;

/** Where a message sat in the log: the dead letter's primary key. */
export interface DeadLetterKey {
  topic: string;
  partition: number;
  /** A decimal string: Kafka offsets are int64. */
  offset: string;
}

/**
 * How a payload's bytes are shown: `utf8` when they are valid UTF-8 (the text itself: hostile, escape it
 * before printing), `escaped` when not (printable ASCII as it is, a backslash as `\\`, every other byte
 * as `\xNN`).
 */
export type PayloadEncoding = 'utf8' | 'escaped';

export interface DeadLetterSummary extends DeadLetterKey {
  /** `topic/partition/offset`, what `txpipe dead-letters show` takes. */
  id: string;
  /** RFC 3339 UTC: when the ingest stored it. */
  received_at: string;
  reason: string;
  /** Size of the whole message in bytes. */
  payload_bytes: number;
  /** Bytes stored: fewer than payload_bytes for a message refused for its size (its first KiB is kept). */
  payload_kept_bytes: number;
  /** SHA-256 of the whole message, hex. */
  payload_sha256: string;
  /** The first PREVIEW_CHARS characters of the stored payload, shown as payload_encoding says. */
  payload_preview: string;
  payload_encoding: PayloadEncoding;
  /** Whether the preview is shorter than the stored payload. */
  payload_truncated: boolean;
}

export interface DeadLetter extends DeadLetterKey {
  id: string;
  received_at: string;
  reason: string;
  payload_bytes: number;
  payload_kept_bytes: number;
  payload_sha256: string;
  /** The whole stored payload, shown as payload_encoding says. */
  payload: string;
  payload_encoding: PayloadEncoding;
  /** The stored payload's exact bytes, base64. */
  payload_base64: string;
}

/** Bytes as text: printable ASCII as it is, a backslash doubled, every other byte as \xNN. */
export function escapeBytes(bytes: Uint8Array): string {
  const parts: string[] = [];
  for (const c of bytes) {
    parts.push(c === 0x5c ? '\\\\' : c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`);
  }
  return parts.join('');
}

/**
 * A payload's bytes shown: the text when they are valid UTF-8, else escaped. `prefix`: the bytes are the
 * start of a payload, so a character cut at their end is not an error (and is left out).
 */
export function payloadText(bytes: Uint8Array, prefix = false): { text: string; encoding: PayloadEncoding } {
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes, { stream: prefix });
    return { text, encoding: 'utf8' };
  } catch {
    return { text: escapeBytes(bytes), encoding: 'escaped' };
  }
}

/** The first `max` code points of `text`. */
function firstChars(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = 0;
  for (let n = 0; n < max && end < text.length; n++) end += (text.codePointAt(end) ?? 0) > 0xffff ? 2 : 1;
  return text.slice(0, end);
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

interface ListRow extends DeadLetterKey {
  received_at: string;
  reason: string;
  payload_head: Uint8Array;
  payload_bytes: number;
  payload_kept_bytes: number;
  payload_sha256: string;
}

export async function readDeadLetters(db: Queryable, q: DeadLetterQuery): Promise<DeadLetterSummary[]> {
  const rows = await db.query<ListRow>(sql('dead_letters/list'), [q.limit, q.reason ?? null, PREVIEW_BYTES]);
  return rows.map((r) => {
    const head = payloadText(r.payload_head, r.payload_kept_bytes > r.payload_head.length);
    const preview = firstChars(head.text, PREVIEW_CHARS);
    return {
      id: deadLetterId(r),
      topic: r.topic,
      partition: r.partition,
      offset: r.offset,
      received_at: r.received_at,
      reason: r.reason,
      payload_bytes: r.payload_bytes,
      payload_kept_bytes: r.payload_kept_bytes,
      payload_sha256: r.payload_sha256,
      payload_preview: preview,
      payload_encoding: head.encoding,
      payload_truncated: preview.length < head.text.length || r.payload_kept_bytes > r.payload_head.length,
    };
  });
}

interface ShowRow extends DeadLetterKey {
  received_at: string;
  reason: string;
  payload: Uint8Array;
  payload_bytes: number;
  payload_sha256: string;
}

export async function readDeadLetter(db: Queryable, key: DeadLetterKey): Promise<DeadLetter | null> {
  const [r] = await db.query<ShowRow>(sql('dead_letters/show'), [key.topic, key.partition, key.offset]);
  if (!r) return null;
  const shown = payloadText(r.payload);
  return {
    id: deadLetterId(r),
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    received_at: r.received_at,
    reason: r.reason,
    payload_bytes: r.payload_bytes,
    payload_kept_bytes: r.payload.length,
    payload_sha256: r.payload_sha256,
    payload: shown.text,
    payload_encoding: shown.encoding,
    payload_base64: Buffer.from(r.payload.buffer, r.payload.byteOffset, r.payload.byteLength).toString('base64'),
  };
}
