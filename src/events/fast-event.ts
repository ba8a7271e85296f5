/**
 * The ingest's fast path: one message's raw bytes straight to its COPY line, with no JSON.parse, no
 * per-field strings and no row object. It handles the common shape (a flat JSON object, all ASCII,
 * no escapes, a valid event) and answers BAIL for anything else, which then takes the reference path
 * (validateEvent in event.ts) and gets the same row or its dead-letter reason from there. The fast
 * path never rejects an event itself, so a dead letter's reason always comes from the reference
 * path; test/unit/events-fast.test.ts checks that both paths agree, byte for byte.
 *
 * Two steps: scan() checks the JSON structure and returns where each known field's value sits (a
 * FieldSpans); encodeEventFast() then checks those values and writes them. scan() always returns the
 * same FieldSpans and timestamp() is given one date scratch: the path is synchronous and never
 * re-entered, so a message allocates nothing.
 */
import type { CopyWriter } from '../warehouse/copy-text.ts';
import * as ascii from './ascii.ts';
import { MAX_STATUS_LENGTH } from './event.ts';
import { DEFAULT_LIMITS, type EventLimits } from './limits.ts';
import { civilFromDays, daysFromCivil, daysInMonth, epochMsOf, formatEpochMs, parseTimestamp } from './timestamp.ts';

// This module's own constants, which V8 compiles in as immediates (an imported binding is loaded at each use; see ascii.ts).
const { TAB, LF, CR, SPACE, QUOTE, PLUS, COMMA, MINUS, DOT, DIGIT_0, DIGIT_9, COLON, BACKSLASH, OPEN_BRACE, CLOSE_BRACE } = ascii;
const { UPPER_A, UPPER_E, UPPER_N, UPPER_T, UPPER_Z, LOWER_A, LOWER_E, LOWER_T, LOWER_Z, TO_LOWER, NON_ASCII } = ascii;

/** Returned instead of an event hour when the message must take the reference path. */
export const BAIL = -1e15;

// The known fields, as indices into FieldSpans.
const TID = 0;
const UID = 1;
const AMOUNT = 2;
const CURRENCY = 3;
const STATUS = 4;
const EVENT_TIME = 5;
const PROCESSING_TIME = 6;
/** Only looked for: an event that names its version (v2, or even 1) takes the reference path. */
const SCHEMA_VERSION = 7;
const FIELDS = ['transaction_id', 'user_id', 'amount', 'currency', 'status', 'event_time', 'processing_time', 'schema_version'];
const KEYS = FIELDS.map((k) => Buffer.from(k, 'latin1'));

// What a field's value is (only what the checks need to tell apart).
const ABSENT = 0;
const STRING = 1;
const NUMBER = 2;
const NULL = 3;
const OTHER = 4;

/** What scan() found for each known field: its value's kind and where the value sits in the message (strings: inside the quotes). */
class FieldSpans {
  readonly kind = new Uint8Array(FIELDS.length);
  readonly start = new Int32Array(FIELDS.length);
  readonly end = new Int32Array(FIELDS.length);
}

/** Hex digit value per byte, -1 for anything else. */
const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 10; c++) HEX[DIGIT_0 + c] = c;
for (let c = 0; c < 6; c++) HEX[UPPER_A + c] = HEX[LOWER_A + c] = 10 + c;
/** A UUID's characters in lowercase (only read for bytes already checked to be hex digits or '-'). */
const LOWER = new Uint8Array(256);
for (let c = 0; c < 256; c++) LOWER[c] = c >= UPPER_A && c <= UPPER_Z ? c + TO_LOWER : c;

function isWs(c: number): boolean {
  return c === SPACE || c === TAB || c === LF || c === CR;
}

function skipWs(s: Uint8Array, i: number, n: number): number {
  while (i < n && isWs(s[i]!)) i++;
  return i;
}

function isDigit(c: number): boolean {
  return c >= DIGIT_0 && c <= DIGIT_9;
}

/** The byte at i, or -1 past the end (the message sits inside a larger buffer: never read beyond it). */
function at(s: Uint8Array, i: number, n: number): number {
  return i < n ? s[i]! : -1;
}

/** A JSON number at i; the index after it, or -1. */
function scanNumber(s: Uint8Array, i: number, n: number): number {
  if (at(s, i, n) === MINUS) i++;
  if (at(s, i, n) === DIGIT_0) i++;
  else if (isDigit(at(s, i, n))) while (isDigit(at(s, i, n))) i++;
  else return -1;
  if (at(s, i, n) === DOT) {
    i++;
    if (!isDigit(at(s, i, n))) return -1;
    while (isDigit(at(s, i, n))) i++;
  }
  const e = at(s, i, n);
  if (e === LOWER_E || e === UPPER_E) {
    i++;
    const sign = at(s, i, n);
    if (sign === PLUS || sign === MINUS) i++;
    if (!isDigit(at(s, i, n))) return -1;
    while (isDigit(at(s, i, n))) i++;
  }
  return i;
}

function literal(s: Uint8Array, i: number, n: number, word: string): boolean {
  if (i + word.length > n) return false;
  for (let k = 0; k < word.length; k++) if (s[i + k] !== word.charCodeAt(k)) return false;
  return true;
}

/** Which known key s[from, to) is, or -1. */
function keyIndex(s: Uint8Array, from: number, to: number): number {
  let f: number;
  // The length alone picks the candidate, except amount/status and transaction_id/schema_version.
  switch (to - from) {
    case 14:
      f = s[from] === LOWER_T ? TID : SCHEMA_VERSION;
      break;
    case 7:
      f = UID;
      break;
    case 6:
      f = s[from] === LOWER_A ? AMOUNT : STATUS;
      break;
    case 8:
      f = CURRENCY;
      break;
    case 10:
      f = EVENT_TIME;
      break;
    case 15:
      f = PROCESSING_TIME;
      break;
    default:
      return -1;
  }
  const k = KEYS[f]!;
  for (let j = 0; j < k.length; j++) if (s[from + j] !== k[j]) return -1;
  return f;
}

/** Index of the closing quote of a string whose content starts at i (ASCII, no escapes, no controls), or -1. */
function stringEnd(s: Uint8Array, i: number, n: number): number {
  for (; i < n; i++) {
    const c = s[i]!;
    if (c === QUOTE) return i;
    if (c === BACKSLASH || c < SPACE || c >= NON_ASCII) return -1;
  }
  return -1;
}

/**
 * Index of the next quote at or after i, or -1. Only for a known field's value: each field's own check
 * then rejects anything but its plain ASCII characters, so an escape (a backslash) never gets through.
 */
function quoteAt(s: Uint8Array, i: number, n: number): number {
  while (i < n && s[i] !== QUOTE) i++;
  return i < n ? i : -1;
}

/** scan()'s result: one object, overwritten by each call (a module constant, so V8 compiles its arrays in). */
const spans = new FieldSpans();

/**
 * Scans s[from, n) as a flat JSON object and returns where its known fields are; null when it is
 * anything else. The result is valid until the next call.
 */
function scan(s: Uint8Array, from: number, n: number): FieldSpans | null {
  const { kind, start, end } = spans;
  kind.fill(ABSENT);
  let i = skipWs(s, from, n);
  if (at(s, i, n) !== OPEN_BRACE) return null;
  i = skipWs(s, i + 1, n);
  for (;;) {
    if (at(s, i, n) !== QUOTE) return null;
    const ks = i + 1;
    i = quoteAt(s, ks, n);
    if (i < 0) return null;
    const f = keyIndex(s, ks, i);
    if (f < 0 && stringEnd(s, ks, n) !== i) return null; // an unknown key: plain ASCII only
    if (f >= 0 && kind[f] !== ABSENT) return null; // a repeated key: JSON.parse's last-wins is the reference path's job
    i = skipWs(s, i + 1, n);
    if (at(s, i, n) !== COLON) return null;
    i = skipWs(s, i + 1, n);
    const c = at(s, i, n);
    let k: number;
    let vs = i;
    let ve: number;
    if (c === QUOTE) {
      vs = i + 1;
      ve = f >= 0 ? quoteAt(s, vs, n) : stringEnd(s, vs, n);
      if (ve < 0) return null;
      i = ve + 1;
      k = STRING;
    } else if (c === MINUS || isDigit(c)) {
      i = scanNumber(s, i, n);
      if (i < 0) return null;
      ve = i;
      k = NUMBER;
    } else if (literal(s, i, n, 'null')) {
      ve = i += 4;
      k = NULL;
    } else if (literal(s, i, n, 'true')) {
      ve = i += 4;
      k = OTHER;
    } else if (literal(s, i, n, 'false')) {
      ve = i += 5;
      k = OTHER;
    } else {
      return null;
    }
    if (f >= 0) {
      kind[f] = k;
      start[f] = vs;
      end[f] = ve;
    }
    i = skipWs(s, i, n);
    const d = at(s, i, n);
    if (d === COMMA) {
      i = skipWs(s, i + 1, n);
      continue;
    }
    if (d !== CLOSE_BRACE) return null;
    return skipWs(s, i + 1, n) === n ? spans : null;
  }
}

/** Four hex digits at s[p, p+4) as a number, or -1. */
function hex4(s: Uint8Array, p: number): number {
  const a = HEX[s[p]!]!;
  const b = HEX[s[p + 1]!]!;
  const c = HEX[s[p + 2]!]!;
  const d = HEX[s[p + 3]!]!;
  if ((a | b | c | d) < 0) return -1;
  return (a << 12) | (b << 8) | (c << 4) | d;
}

/** A UUID at s[a, a+36): its 128 bits into words[at..at+3] and its lowercase text into w; false if not a UUID. */
function uuid(s: Uint8Array, a: number, w: CopyWriter, words: Uint32Array | null, idAt: number): boolean {
  if (s[a + 8] !== MINUS || s[a + 13] !== MINUS || s[a + 18] !== MINUS || s[a + 23] !== MINUS) return false;
  const h0 = hex4(s, a);
  const h1 = hex4(s, a + 4);
  const h2 = hex4(s, a + 9);
  const h3 = hex4(s, a + 14);
  const h4 = hex4(s, a + 19);
  const h5 = hex4(s, a + 24);
  const h6 = hex4(s, a + 28);
  const h7 = hex4(s, a + 32);
  if ((h0 | h1 | h2 | h3 | h4 | h5 | h6 | h7) < 0) return false;
  if (words !== null) {
    words[idAt] = (h0 << 16) | h1;
    words[idAt + 1] = (h2 << 16) | h3;
    words[idAt + 2] = (h4 << 16) | h5;
    words[idAt + 3] = (h6 << 16) | h7;
  }
  const buf = w.buf;
  const o = w.length;
  for (let j = 0; j < 36; j++) buf[o + j] = LOWER[s[a + j]!]!;
  w.length = o + 36;
  return true;
}

/** A plain decimal `digits[.digits]`, normalized like parseAmount; false for anything else. */
function amount(s: Uint8Array, a: number, b: number, w: CopyWriter): boolean {
  let i = a;
  while (i < b && isDigit(s[i]!)) i++;
  const intEnd = i;
  if (intEnd === a) return false;
  let fracStart = b;
  if (i < b) {
    if (s[i] !== DOT) return false;
    fracStart = ++i;
    if (i === b) return false;
    while (i < b && isDigit(s[i]!)) i++;
    if (i !== b) return false;
  }
  let p = a;
  while (p < intEnd && s[p] === DIGIT_0) p++;
  let fe = b;
  while (fe > fracStart && s[fe - 1] === DIGIT_0) fe--;
  if (intEnd - p > 18 || fe - fracStart > 18) return false; // out of range: the reference path says so
  if (p === intEnd) w.byte(DIGIT_0);
  else w.bytes(s, p, intEnd);
  if (fe > fracStart) {
    w.byte(DOT);
    w.bytes(s, fracStart, fe);
  }
  return true;
}

function two(s: Uint8Array, i: number): number {
  const x = s[i]! - DIGIT_0;
  const y = s[i + 1]! - DIGIT_0;
  return x >= 0 && x <= 9 && y >= 0 && y <= 9 ? x * 10 + y : -1;
}

/** Writes n (0–9999) as four ASCII digits. */
function digits4(w: CopyWriter, n: number): void {
  w.byte(DIGIT_0 + Math.floor(n / 1000));
  w.byte(DIGIT_0 + (Math.floor(n / 100) % 10));
  w.byte(DIGIT_0 + (Math.floor(n / 10) % 10));
  w.byte(DIGIT_0 + (n % 10));
}

/** Writes n (0–99) as two ASCII digits. */
function digits2(w: CopyWriter, n: number): void {
  w.byte(DIGIT_0 + Math.floor(n / 10));
  w.byte(DIGIT_0 + (n % 10));
}

/**
 * s[a, b) as text, one character per byte (Latin-1). A timestamp's bytes are only known to hold no
 * quote, so non-ASCII ones get here too: each stays a non-ASCII character, which parseTimestamp
 * rejects as the reference path would ('ascii' decoding clears the high bit and could make a digit of
 * it; TextDecoder's 'latin1' is windows-1252). The ingest hands over Buffers (views into the log
 * client's buffers); any other Uint8Array is viewed, not copied, as a Buffer.
 */
function latin1(s: Uint8Array, a: number, b: number): string {
  const buf = Buffer.isBuffer(s) ? s : Buffer.from(s.buffer, s.byteOffset, s.byteLength);
  return buf.toString('latin1', a, b);
}

/**
 * A timestamp at s[a, b) written as `YYYY-MM-DD HH:MM:SS.ffffff` (UTC); returns its epoch hour, or
 * BAIL when it is no timestamp. `YYYY-MM-DDTHH:MM:SS[.f…]` followed by nothing, `Z` or `±HH:MM` is
 * read here, the same way parseTimestamp reads it; other spellings (no seconds, `±HHMM`, `±HH`) go
 * through parseTimestamp. `date` is scratch for civilFromDays. A time whose minute is not wholly inside
 * [minMs, maxMs) bails (the reference path decides at the boundary, and says why).
 */
function timestamp(s: Uint8Array, a: number, b: number, w: CopyWriter, date: number[], minMs: number, maxMs: number): number {
  const len = b - a;
  if (len >= 19 && s[a + 4] === MINUS && s[a + 7] === MINUS && s[a + 13] === COLON && s[a + 16] === COLON) {
    const sep = s[a + 10];
    const y1 = two(s, a);
    const y2 = two(s, a + 2);
    const mo = two(s, a + 5);
    const d = two(s, a + 8);
    const h = two(s, a + 11);
    const mi = two(s, a + 14);
    const se = two(s, a + 17);
    let i = a + 19;
    let fs = i;
    let fe = i;
    if (s[i] === DOT) {
      fs = ++i;
      while (i < b && isDigit(s[i]!)) i++;
      fe = i;
    }
    let offsetMin = 0;
    let zoneOk = i === b || ((s[i] === UPPER_Z || s[i] === LOWER_Z) && i + 1 === b);
    if (!zoneOk && (s[i] === PLUS || s[i] === MINUS) && i + 6 === b && s[i + 3] === COLON) {
      const oh = two(s, i + 1);
      const om = two(s, i + 4);
      zoneOk = oh >= 0 && oh <= 23 && om >= 0 && om <= 59;
      offsetMin = (oh * 60 + om) * (s[i] === MINUS ? -1 : 1);
    }
    const y = y1 * 100 + y2;
    if (
      (sep === UPPER_T || sep === LOWER_T || sep === SPACE) &&
      zoneOk &&
      (s[a + 19] !== DOT || fe > fs) &&
      y1 >= 0 &&
      y2 >= 0 &&
      y >= 1 &&
      mo >= 1 &&
      mo <= 12 &&
      d >= 1 &&
      d <= daysInMonth(y, mo) &&
      h >= 0 &&
      h <= 23 &&
      mi >= 0 &&
      mi <= 59 &&
      se >= 0 &&
      se <= 59
    ) {
      // Minutes since the epoch in UTC; the seconds and fraction are the same in any offset.
      const total = daysFromCivil(y, mo, d) * 1440 + h * 60 + mi - offsetMin;
      if (total * 60_000 < minMs || total * 60_000 + 60_000 > maxMs) return BAIL;
      w.ensure(26);
      if (offsetMin === 0) {
        w.bytes(s, a, a + 10);
        w.byte(SPACE);
        w.bytes(s, a + 11, a + 16);
      } else {
        const days = Math.floor(total / 1440);
        const minutes = total - days * 1440;
        civilFromDays(days, date);
        if (date[0]! < 1 || date[0]! > 9999) return BAIL; // the reference path says why
        digits4(w, date[0]!);
        w.byte(MINUS);
        digits2(w, date[1]!);
        w.byte(MINUS);
        digits2(w, date[2]!);
        w.byte(SPACE);
        digits2(w, Math.floor(minutes / 60));
        w.byte(COLON);
        digits2(w, minutes % 60);
      }
      const frac = Math.min(fe - fs, 6);
      w.bytes(s, a + 16, a + 19); // :SS
      w.byte(DOT);
      w.bytes(s, fs, fs + frac);
      for (let k = frac; k < 6; k++) w.byte(DIGIT_0);
      return Math.floor(total / 60);
    }
  }
  const parsed = parseTimestamp(latin1(s, a, b));
  if (parsed === null) return BAIL;
  const ms = epochMsOf(parsed);
  if (ms < minMs || ms >= maxMs) return BAIL;
  w.text(parsed);
  return Math.floor(ms / 3_600_000);
}

/** The date scratch encodeEventFast hands to timestamp(): civilFromDays' [year, month, day]. */
const civil: number[] = [0, 0, 0];

/**
 * Writes the COPY line of the event in s[from, to) to `w` and its transaction_id's 128 bits to
 * `ids[idAt..idAt+3]`, and returns its event hour (hours since the epoch); or writes nothing and
 * returns BAIL when the message is not one the fast path handles.
 */
export function encodeEventFast(
  s: Uint8Array,
  from: number,
  to: number,
  recordTimestampMs: number,
  w: CopyWriter,
  ids: Uint32Array,
  idAt: number,
  limits: EventLimits = DEFAULT_LIMITS,
): number {
  const n = to - from;
  const found = n > limits.maxMessageBytes ? null : scan(s, from, to);
  if (found === null) return BAIL;
  const { kind, start, end } = found;
  if (kind[SCHEMA_VERSION] !== ABSENT) return BAIL;
  if (kind[TID] !== STRING || end[TID]! - start[TID]! !== 36) return BAIL;
  if (kind[UID] !== STRING || end[UID]! - start[UID]! !== 36) return BAIL;
  if (kind[AMOUNT] !== STRING && kind[AMOUNT] !== NUMBER) return BAIL;
  if (kind[CURRENCY] !== STRING || end[CURRENCY]! - start[CURRENCY]! !== 3) return BAIL;
  for (let i = start[CURRENCY]!; i < end[CURRENCY]!; i++) if (s[i]! < UPPER_A || s[i]! > UPPER_Z) return BAIL;
  if (kind[STATUS] !== STRING) return BAIL;
  const statusLength = end[STATUS]! - start[STATUS]!;
  if (statusLength === 0 || statusLength > MAX_STATUS_LENGTH) return BAIL;
  let blank = true;
  for (let i = start[STATUS]!; i < end[STATUS]!; i++) {
    const c = s[i]!;
    if (c === BACKSLASH || c < SPACE || c >= NON_ASCII) return BAIL; // as stringEnd
    if (c !== SPACE) blank = false;
  }
  if (blank) return BAIL;
  if (kind[EVENT_TIME] !== STRING) return BAIL;
  const pt = kind[PROCESSING_TIME];
  if (pt !== ABSENT && pt !== NULL && pt !== STRING) return BAIL;

  const mark = w.length;
  w.ensure(n + 131);
  if (!uuid(s, start[TID]!, w, ids, idAt)) return rollback(w, mark);
  w.byte(TAB);
  if (!uuid(s, start[UID]!, w, null, 0)) return rollback(w, mark);
  w.byte(TAB);
  if (!amount(s, start[AMOUNT]!, end[AMOUNT]!, w)) return rollback(w, mark);
  w.byte(TAB);
  w.bytes(s, start[CURRENCY]!, end[CURRENCY]!);
  w.byte(TAB);
  w.bytes(s, start[STATUS]!, end[STATUS]!);
  w.byte(TAB);
  const minMs = limits.minEventTimeMs;
  const maxMs = limits.maxEventTimeMs;
  const hour = timestamp(s, start[EVENT_TIME]!, end[EVENT_TIME]!, w, civil, minMs, maxMs);
  if (hour === BAIL) return rollback(w, mark);
  w.byte(TAB);
  if (pt === STRING) {
    if (timestamp(s, start[PROCESSING_TIME]!, end[PROCESSING_TIME]!, w, civil, minMs, maxMs) === BAIL) return rollback(w, mark);
  } else {
    if (!(recordTimestampMs >= minMs && recordTimestampMs < maxMs)) return rollback(w, mark);
    let text: string;
    try {
      text = formatEpochMs(recordTimestampMs);
    } catch {
      return rollback(w, mark);
    }
    w.text(text);
  }
  // merchant_id: only schema_version 2 has one, and it takes the reference path.
  w.byte(TAB);
  w.byte(BACKSLASH);
  w.byte(UPPER_N);
  w.byte(LF);
  return hour;
}

function rollback(w: CopyWriter, mark: number): number {
  w.length = mark;
  return BAIL;
}
