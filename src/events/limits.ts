/**
 * What the ingest accepts before it looks at a message's fields: its size in bytes, and the window
 * of plausible times for event_time and processing_time. Set by TXPIPE_MAX_MESSAGE_BYTES,
 * TXPIPE_MIN_EVENT_TIME and TXPIPE_MAX_EVENT_TIME (src/config.ts); the defaults are below.
 */
import { toRfc3339, formatEpochMs } from './timestamp.ts';

export interface EventLimits {
  /** A message longer than this (bytes) is a dead letter, refused before any parsing. */
  maxMessageBytes: number;
  /** event_time and processing_time at or after this (ms since the epoch, UTC)... */
  minEventTimeMs: number;
  /** ...and before this. */
  maxEventTimeMs: number;
}

export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;
export const DEFAULT_MIN_EVENT_TIME_MS = Date.UTC(1970, 0, 1);
export const DEFAULT_MAX_EVENT_TIME_MS = Date.UTC(2100, 0, 1);

export const DEFAULT_LIMITS: EventLimits = Object.freeze({
  maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
  minEventTimeMs: DEFAULT_MIN_EVENT_TIME_MS,
  maxEventTimeMs: DEFAULT_MAX_EVENT_TIME_MS,
});

/** A dead letter of an oversized message keeps this many of its first bytes (with its size and SHA-256). */
export const OVERSIZED_KEEP_BYTES = 1024;

/** `[2026-01-01T00:00:00Z, 2100-01-01T00:00:00Z)`: the window as a reason shows it. */
export function windowText(limits: EventLimits): string {
  return `[${rfc3339(limits.minEventTimeMs)}, ${rfc3339(limits.maxEventTimeMs)})`;
}

function rfc3339(ms: number): string {
  try {
    return toRfc3339(formatEpochMs(ms));
  } catch {
    return new Date(ms).toISOString(); // past year 9999 (a bound only tests use)
  }
}
