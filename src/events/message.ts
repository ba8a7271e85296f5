/**
 * A message's bytes, before its text: the checks the ingest makes on what a log delivered, in order,
 * before any parsing. A message over the size limit is refused unread; one that is not valid UTF-8 is
 * refused unread too (never decoded with U+FFFD in place of its bad bytes); the rest is text for
 * validateEvent. And what a dead letter keeps of a message: its exact bytes (the first KiB only when
 * it was refused for its size), with the whole message's size and SHA-256.
 */
import { createHash } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { validateEvent, type Validation } from './event.ts';
import { DEFAULT_LIMITS, type EventLimits, OVERSIZED_KEEP_BYTES } from './limits.ts';

/** The reason for a message over the limit, or null when it fits. */
export function sizeRefusal(bytes: number, limits: EventLimits): string | null {
  const max = limits.maxMessageBytes;
  return bytes > max ? `message too large: ${bytes} bytes, over the limit of ${max} (TXPIPE_MAX_MESSAGE_BYTES)` : null;
}

export const NOT_UTF8 = 'not UTF-8: the message holds an invalid UTF-8 byte sequence';

function asBuffer(value: Uint8Array): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/** validateEvent for a message's bytes: size first, then UTF-8 validity, then the event schema. */
export function validateMessage(value: Uint8Array, recordTimestampMs: number, limits: EventLimits = DEFAULT_LIMITS): Validation {
  const tooLarge = sizeRefusal(value.length, limits);
  if (tooLarge !== null) return { ok: false, reason: tooLarge };
  if (!isUtf8(value)) return { ok: false, reason: NOT_UTF8 };
  return validateEvent(asBuffer(value).toString('utf8'), recordTimestampMs, limits);
}

/** What a dead letter stores of a message (dead_letters.payload, payload_size, payload_sha256). */
export interface DeadPayload {
  /** The message's bytes, copied; only the first OVERSIZED_KEEP_BYTES when it is over the size limit. */
  payload: Buffer;
  /** The whole message's size in bytes. */
  size: number;
  /** SHA-256 of the whole message. */
  sha256: Buffer;
}

export function deadPayload(value: Uint8Array, limits: EventLimits = DEFAULT_LIMITS): DeadPayload {
  const whole = asBuffer(value);
  const kept = value.length > limits.maxMessageBytes ? whole.subarray(0, OVERSIZED_KEEP_BYTES) : whole;
  return { payload: Buffer.from(kept), size: value.length, sha256: createHash('sha256').update(whole).digest() };
}
