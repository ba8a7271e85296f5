/**
 * The event schema: one message's raw text in, one warehouse row (or the reason it is not one) out.
 * Runs per message in the ingest hot path, so it is hand-written rather than schema-library based,
 * and it is deterministic and independent of the process time zone.
 */
import { parseAmount } from './amount.ts';
import { DEFAULT_LIMITS, type EventLimits, windowText } from './limits.ts';
import { amountFromMinor, amountMinorOf, merchantIdOf, schemaVersionOf } from './schema-v2.ts';
import { epochMsOf, formatEpochMs, parseTimestamp } from './timestamp.ts';

/** One row of `transactions`, every value as the text PostgreSQL accepts for its column. */
export interface RawRow {
  transaction_id: string;
  user_id: string;
  amount: string;
  currency: string;
  status: string;
  event_time: string;
  processing_time: string;
  /** schema_version 2 only (optional there); null otherwise. */
  merchant_id: string | null;
}

export type Validation = { ok: true; row: RawRow } | { ok: false; reason: string };

/** `status` holds 1 to this many characters, counted as Unicode code points (an emoji is one). */
export const MAX_STATUS_LENGTH = 32;
/** Objects and arrays nest at most this deep (the event object itself is level 1). */
export const MAX_NESTING_DEPTH = 64;
/** The event schema's keys: each may appear once at the top level (a repeated one is refused). */
export const SCHEMA_KEYS: readonly string[] = [
  'transaction_id',
  'user_id',
  'amount',
  'currency',
  'status',
  'event_time',
  'processing_time',
  // schema_version 2 (schema-v2.ts), and the version itself: an event naming two versions says two things.
  'schema_version',
  'amount_minor',
  'merchant_id',
];

/** The third reviver argument of JSON.parse (source text access); TS lib typings may lack it. */
interface ReviverContext {
  source?: string;
}
type Reviver = (this: unknown, key: string, value: unknown) => unknown;

/**
 * Reviver replacing every number under a key named `amount` by its exact source text (`12.50`,
 * `1e3`), using JSON.parse source text access. Nested `amount` keys are rewritten in their own
 * objects and never reach the top-level field. This is the reference extraction; the hot path uses
 * numberSourceOfTopLevelKey below (about 6x cheaper than a reviver) and falls back to this.
 */
function amountSource(this: unknown, key: string, value: unknown, context?: ReviverContext): unknown {
  if (key === 'amount' && typeof value === 'number' && context !== undefined && context.source !== undefined) {
    return context.source;
  }
  return value;
}

/** The top-level `amount` field of a JSON object text, with numbers as their exact source text. */
export function amountViaReviver(payload: string): unknown {
  const parsed = JSON.parse(payload, amountSource as Reviver) as Record<string, unknown>;
  return parsed.amount;
}

function skipWs(s: string, i: number): number {
  for (;;) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 10 && c !== 13 && c !== 9) return i;
    i++;
  }
}

/** `i` at an opening quote; returns the index after the closing quote. */
function skipString(s: string, i: number): number {
  for (;;) {
    const q = s.indexOf('"', i + 1);
    if (q < 0) return s.length; // cannot happen on text JSON.parse accepted
    // The quote is escaped when an odd number of backslashes precede it.
    let b = q - 1;
    while (s.charCodeAt(b) === 92) b--;
    if (((q - 1 - b) & 1) === 0) return q + 1;
    i = q;
  }
}

/** `i` at the first character of a value; returns the index just after it. */
function skipValue(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === 34) return skipString(s, i);
  if (c === 123 || c === 91) {
    let depth = 0;
    for (;;) {
      const d = s.charCodeAt(i);
      if (d === 34) {
        i = skipString(s, i);
        continue;
      }
      if (d === 123 || d === 91) depth++;
      else if (d === 125 || d === 93) {
        if (--depth === 0) return i + 1;
      } else if (Number.isNaN(d)) return i;
      i++;
    }
  }
  // Number or literal: runs until a delimiter or whitespace.
  for (;;) {
    const d = s.charCodeAt(i);
    if (d === 44 || d === 125 || d === 93 || d === 32 || d === 10 || d === 13 || d === 9 || Number.isNaN(d)) return i;
    i++;
  }
}

/**
 * Source text of the value of top-level key `key` in `s`, which must be text JSON.parse accepted
 * as an object. The last occurrence wins, as in JSON.parse. Keys written with escapes are decoded.
 */
export function valueSourceOfTopLevelKey(s: string, key: string): string | null {
  let i = skipWs(s, 0);
  if (s.charCodeAt(i) !== 123) return null;
  i = skipWs(s, i + 1);
  let found: string | null = null;
  while (s.charCodeAt(i) === 34) {
    const ks = i;
    i = skipString(s, i);
    // Compare without allocating; keys written with escapes are decoded first.
    const keyLen = i - ks - 2;
    // An escaped spelling is longer than the key, and at most 6 characters (\uXXXX) per character.
    let isKey = false;
    if (keyLen === key.length) isKey = s.startsWith(key, ks + 1);
    else if (keyLen > key.length && keyLen <= key.length * 6) {
      const raw = s.slice(ks, i);
      isKey = raw.includes('\\') && JSON.parse(raw) === key;
    }
    i = skipWs(s, i);
    if (s.charCodeAt(i) !== 58) return null;
    i = skipWs(s, i + 1);
    const vs = i;
    i = skipValue(s, i);
    if (isKey) found = s.slice(vs, i);
    i = skipWs(s, i);
    if (s.charCodeAt(i) !== 44) break;
    i = skipWs(s, i + 1);
  }
  return found;
}

/**
 * The first schema key (SCHEMA_KEYS) that occurs more than once at the top level of `s`, which must be
 * text JSON.parse accepted as an object; null when none does. JSON.parse keeps the last occurrence and
 * other parsers the first, so an event saying two things is refused rather than read one way.
 */
export function repeatedSchemaKey(s: string): string | null {
  let i = skipWs(s, 0);
  if (s.charCodeAt(i) !== 123) return null;
  i = skipWs(s, i + 1);
  const seen = new Set<string>();
  while (s.charCodeAt(i) === 34) {
    const ks = i;
    i = skipString(s, i);
    const raw = s.slice(ks + 1, i - 1);
    const key = raw.includes('\\') ? (JSON.parse(s.slice(ks, i)) as string) : raw;
    if (SCHEMA_KEYS.includes(key)) {
      if (seen.has(key)) return key;
      seen.add(key);
    }
    i = skipWs(s, i);
    if (s.charCodeAt(i) !== 58) return null;
    i = skipValue(s, skipWs(s, i + 1));
    i = skipWs(s, i);
    if (s.charCodeAt(i) !== 44) break;
    i = skipWs(s, i + 1);
  }
  return null;
}

/** Whether objects and arrays in `s` nest deeper than `max` (brackets inside strings do not count). */
export function nestsDeeperThan(s: string, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < s.length; ) {
    const c = s.charCodeAt(i);
    if (c === 34) {
      i = skipString(s, i);
      continue;
    }
    if (c === 123 || c === 91) {
      if (++depth > max) return true;
    } else if (c === 125 || c === 93) depth--;
    i++;
  }
  return false;
}

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const CURRENCY = /^[A-Z]{3}$/;
const NON_SPACE = /\S/;
/** A decimal with an exponent, as a string amount may not be written. */
const EXPONENT_STRING = /^-?\d+(?:\.\d+)?[eE][+-]?\d+$/;

function fail(reason: string): Validation {
  return { ok: false, reason };
}

function missing(obj: Record<string, unknown>, key: string): boolean {
  const v = obj[key];
  return v === undefined || v === null;
}

function uuid(v: unknown): string | null {
  return typeof v === 'string' && v.length === 36 && UUID.test(v) ? v.toLowerCase() : null;
}

function shortMessage(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.length > 120 ? `${msg.slice(0, 117)}...` : msg;
}

/** What a JSON value is, for a reason: 'a boolean', 'an array', 'an object', ... */
function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return typeof v === 'boolean' ? 'a boolean' : typeof v === 'number' ? 'a number' : 'a string';
}

/** Code points in `s`, counted only as far as needed: a UTF-16 length within the limit always fits. */
function statusLengthOk(s: string): boolean {
  const n = s.length;
  if (n === 0) return false;
  if (n <= MAX_STATUS_LENGTH) return true;
  if (n > 2 * MAX_STATUS_LENGTH) return false;
  let points = 0;
  for (const _ of s) points++;
  return points <= MAX_STATUS_LENGTH;
}

/** A timestamp-shaped text whose year cannot be one (0000, or five digits and more): outside any window. */
const YEAR_OUT_OF_RANGE = /^(?:0000|\d{5,})-\d{2}-\d{2}[Tt ]\d{2}:\d{2}/;

/** event_time or processing_time: the normalized UTC text, or the reason it is refused. */
function timeField(name: string, v: unknown, limits: EventLimits): { ok: true; value: string } | { ok: false; reason: string } {
  if (typeof v !== 'string') {
    return { ok: false, reason: `invalid ${name}: ${jsonKind(v)}, not an RFC 3339 timestamp string` };
  }
  const value = parseTimestamp(v);
  if (value === null) {
    if (YEAR_OUT_OF_RANGE.test(v)) return { ok: false, reason: `invalid ${name}: outside the accepted window ${windowText(limits)}` };
    return { ok: false, reason: `invalid ${name}: not an RFC 3339 timestamp` };
  }
  const ms = epochMsOf(value);
  if (ms < limits.minEventTimeMs || ms >= limits.maxEventTimeMs) {
    return { ok: false, reason: `invalid ${name}: outside the accepted window ${windowText(limits)}` };
  }
  return { ok: true, value };
}

/**
 * Validates one message's text, by its schema_version (schema-v2.ts: absent is 1). `recordTimestampMs`
 * (the Kafka record timestamp, or the log's append time) becomes processing_time when the event has
 * none (absent or null). The ingest checks the
 * message's bytes first (size, UTF-8: see message.ts); this repeats the size check for text callers.
 */
export function validateEvent(payload: string, recordTimestampMs: number, limits: EventLimits = DEFAULT_LIMITS): Validation {
  if (typeof payload !== 'string') return fail('not JSON: payload is not text');
  const max = limits.maxMessageBytes;
  // UTF-8 takes at most 3 bytes per UTF-16 code unit: only long payloads need counting.
  if (payload.length > max || (payload.length * 3 > max && Buffer.byteLength(payload, 'utf8') > max)) {
    return fail(`message too large: ${Buffer.byteLength(payload, 'utf8')} bytes, over the limit of ${max} (TXPIPE_MAX_MESSAGE_BYTES)`);
  }
  // Before JSON.parse: deep nesting is refused by name, and never reaches a recursive reviver.
  if (nestsDeeperThan(payload, MAX_NESTING_DEPTH)) return fail(`not accepted: JSON nested deeper than ${MAX_NESTING_DEPTH} levels`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch (e) {
    return fail(`not JSON: ${shortMessage(e)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return fail('not a JSON object');
  const obj = parsed as Record<string, unknown>;
  const repeated = repeatedSchemaKey(payload);
  if (repeated !== null) return fail(`duplicate key ${repeated}: each event field may appear once`);
  const sv = obj.schema_version;
  const version = schemaVersionOf(sv, typeof sv === 'number' ? valueSourceOfTopLevelKey(payload, 'schema_version') : null);
  if (!version.ok) return fail(version.reason);

  if (missing(obj, 'transaction_id')) return fail('missing field transaction_id');
  const transactionId = uuid(obj.transaction_id);
  if (transactionId === null) return fail('invalid transaction_id: not a UUID');

  if (missing(obj, 'user_id')) return fail('missing field user_id');
  const userId = uuid(obj.user_id);
  if (userId === null) return fail('invalid user_id: not a UUID');

  // Version 1 carries `amount`, version 2 `amount_minor` (read here, turned into an amount once the currency is known).
  let amount = '';
  let minor = '';
  if (version.value === 1) {
    if (missing(obj, 'amount')) return fail('missing field amount');
    let rawAmount = obj.amount;
    if (typeof rawAmount === 'number') {
      // The exact source text, never the float: `12.50` stays 12.50, 0.1234567890123456789 stays exact.
      rawAmount = valueSourceOfTopLevelKey(payload, 'amount') ?? amountViaReviver(payload);
    } else if (typeof rawAmount === 'string') {
      // A string amount is plain decimal notation; exponents are for JSON numbers (`1e2`, not `"1e2"`).
      if (EXPONENT_STRING.test(rawAmount)) {
        return fail('invalid amount: a string amount must be plain decimal digits (no exponent; 1e2 is accepted as a JSON number)');
      }
    } else {
      return fail(`invalid amount: ${jsonKind(rawAmount)}, not a decimal number`);
    }
    if (typeof rawAmount !== 'string') return fail('invalid amount: amount is not a decimal number');
    const parsed = parseAmount(rawAmount);
    if (!parsed.ok) return fail(`invalid amount: ${parsed.reason}`);
    amount = parsed.value;
  } else {
    if (Object.hasOwn(obj, 'amount')) return fail('invalid amount: schema_version 2 carries amount_minor instead of amount');
    const m = amountMinorOf(obj.amount_minor, typeof obj.amount_minor === 'number' ? valueSourceOfTopLevelKey(payload, 'amount_minor') : null);
    if (!m.ok) return fail(m.reason);
    minor = m.value;
  }

  if (missing(obj, 'currency')) return fail('missing field currency');
  const currency = obj.currency;
  if (typeof currency !== 'string' || currency.length !== 3 || !CURRENCY.test(currency)) {
    return fail('invalid currency: must be three uppercase ASCII letters A-Z');
  }
  if (version.value === 2) {
    const a = amountFromMinor(minor, currency);
    if (!a.ok) return fail(a.reason);
    amount = a.value;
  }

  if (missing(obj, 'status')) return fail('missing field status');
  const status = obj.status;
  if (typeof status !== 'string' || !statusLengthOk(status) || !NON_SPACE.test(status)) {
    return fail(`invalid status: must be a string of 1 to ${MAX_STATUS_LENGTH} characters (code points), not all white space`);
  }
  // PostgreSQL text cannot hold NUL, and lone surrogates would not survive UTF-8 encoding.
  if (status.includes('\u0000') || !status.isWellFormed()) {
    return fail('invalid status: contains NUL or an unpaired surrogate');
  }

  if (missing(obj, 'event_time')) return fail('missing field event_time');
  const eventTime = timeField('event_time', obj.event_time, limits);
  if (!eventTime.ok) return fail(eventTime.reason);

  let processingTime: string;
  const pt = obj.processing_time;
  if (pt === undefined || pt === null) {
    if (!(recordTimestampMs >= limits.minEventTimeMs && recordTimestampMs < limits.maxEventTimeMs)) {
      return fail(`invalid processing_time: the record timestamp is outside the accepted window ${windowText(limits)}`);
    }
    processingTime = formatEpochMs(recordTimestampMs);
  } else {
    const t = timeField('processing_time', pt, limits);
    if (!t.ok) return fail(t.reason);
    processingTime = t.value;
  }

  const merchant = version.value === 2 ? merchantIdOf(obj.merchant_id) : { ok: true as const, value: null };
  if (!merchant.ok) return fail(merchant.reason);

  return {
    ok: true,
    row: {
      transaction_id: transactionId,
      user_id: userId,
      amount,
      currency,
      status,
      event_time: eventTime.value,
      processing_time: processingTime,
      merchant_id: merchant.value,
    },
  };
}
