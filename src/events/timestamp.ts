/**
 * Timestamps, without ever touching the process time zone.
 *
 * Events carry RFC 3339 / ISO 8601 date-times with any offset; the warehouse stores PostgreSQL
 * `timestamp` (without time zone) holding UTC, as text `YYYY-MM-DD HH:MM:SS.ffffff`. All calendar
 * math here is integer arithmetic on day numbers (proleptic Gregorian), so the result never depends
 * on TZ, and years below 100 are not remapped the way Date.UTC remaps them.
 */

import * as ascii from './ascii.ts';

// This module's own constants, which V8 compiles in as immediates (an imported binding is loaded at each use).
const { COLON, DIGIT_0, DIGIT_9, DOT, LOWER_T, LOWER_Z, MINUS, PLUS, SPACE, UPPER_T, UPPER_Z } = ascii;

const MS_PER_DAY = 86_400_000;
const MIN_PER_DAY = 1440;

/** Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** Writes the civil date of a day number into `out` as [year, month, day]. */
export function civilFromDays(days: number, out: number[]): void {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  out[0] = yoe + era * 400 + (m <= 2 ? 1 : 0);
  out[1] = m;
  out[2] = d;
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export function daysInMonth(y: number, m: number): number {
  if (m === 2) return isLeap(y) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

function pad4(n: number): string {
  return n < 10 ? `000${n}` : n < 100 ? `00${n}` : n < 1000 ? `0${n}` : `${n}`;
}

/** Value of the two ASCII digits at i, i+1, or -1 when either is not a digit. */
function two(s: string, i: number): number {
  const a = s.charCodeAt(i) - DIGIT_0;
  const b = s.charCodeAt(i + 1) - DIGIT_0;
  if (!(a >= 0 && a <= 9 && b >= 0 && b <= 9)) return -1; // NaN past the end fails too
  return a * 10 + b;
}

const scratch: number[] = [0, 0, 0];

/**
 * Parses an RFC 3339 / ISO 8601 date-time (separator 'T', 't' or one space; seconds optional;
 * fraction of any length; offset Z, z, ±HH:MM, ±HHMM or ±HH, none meaning UTC) and returns it in
 * UTC as `YYYY-MM-DD HH:MM:SS.ffffff` (fraction truncated to microseconds, never rounded).
 * Returns null for anything else, for out-of-range fields, and when the UTC year leaves 0001–9999.
 */
export function parseTimestamp(text: string): string | null {
  if (typeof text !== 'string') return null;
  const len = text.length;
  if (len < 16) return null;
  const y1 = two(text, 0);
  const y2 = two(text, 2);
  if (y1 < 0 || y2 < 0) return null;
  const year = y1 * 100 + y2;
  if (text.charCodeAt(4) !== MINUS || text.charCodeAt(7) !== MINUS) return null;
  const month = two(text, 5);
  const day = two(text, 8);
  const sep = text.charCodeAt(10);
  if (sep !== UPPER_T && sep !== LOWER_T && sep !== SPACE) return null;
  const hour = two(text, 11);
  if (text.charCodeAt(13) !== COLON) return null;
  const minute = two(text, 14);
  if (month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59) return null;
  if (day > daysInMonth(year, month)) return null;

  let pos = 16;
  let second = 0;
  let frac = '000000';
  if (pos < len && text.charCodeAt(pos) === COLON) {
    second = two(text, pos + 1);
    if (second < 0 || second > 59) return null;
    pos += 3;
    if (pos < len && text.charCodeAt(pos) === DOT) {
      const start = ++pos;
      while (pos < len) {
        const c = text.charCodeAt(pos);
        if (c < DIGIT_0 || c > DIGIT_9) break;
        pos++;
      }
      const n = pos - start;
      if (n === 0) return null;
      frac = n >= 6 ? text.slice(start, start + 6) : text.slice(start, pos) + '000000'.slice(n);
    }
  }

  let offsetMin = 0;
  if (pos < len) {
    const c = text.charCodeAt(pos);
    if (c === UPPER_Z || c === LOWER_Z) {
      if (pos + 1 !== len) return null;
    } else if (c === PLUS || c === MINUS) {
      const oh = two(text, pos + 1);
      if (oh < 0 || oh > 23) return null;
      let om = 0;
      const rest = len - (pos + 3);
      if (rest === 3) {
        if (text.charCodeAt(pos + 3) !== COLON) return null;
        om = two(text, pos + 4);
      } else if (rest === 2) {
        om = two(text, pos + 3);
      } else if (rest !== 0) {
        return null;
      }
      if (om < 0 || om > 59) return null;
      offsetMin = (oh * 60 + om) * (c === MINUS ? -1 : 1);
    } else {
      return null;
    }
  }

  let y = year;
  let mo = month;
  let d = day;
  let h = hour;
  let mi = minute;
  if (offsetMin !== 0) {
    const total = daysFromCivil(year, month, day) * MIN_PER_DAY + hour * 60 + minute - offsetMin;
    const days = Math.floor(total / MIN_PER_DAY);
    const rem = total - days * MIN_PER_DAY;
    civilFromDays(days, scratch);
    y = scratch[0]!;
    mo = scratch[1]!;
    d = scratch[2]!;
    h = Math.floor(rem / 60);
    mi = rem - h * 60;
  }
  if (y < 1 || y > 9999) return null;
  return `${pad4(y)}-${pad2(mo)}-${pad2(d)} ${pad2(h)}:${pad2(mi)}:${pad2(second)}.${frac}`;
}

/**
 * Formats epoch milliseconds (e.g. a Kafka record timestamp) as UTC `YYYY-MM-DD HH:MM:SS.ffffff`.
 * Fractional milliseconds are floored. Throws RangeError outside years 0001–9999.
 */
export function formatEpochMs(ms: number): string {
  if (!Number.isFinite(ms)) throw new RangeError(`not a finite epoch time: ${ms}`);
  const t = Math.floor(ms);
  const days = Math.floor(t / MS_PER_DAY);
  let rem = t - days * MS_PER_DAY;
  civilFromDays(days, scratch);
  const y = scratch[0]!;
  if (y < 1 || y > 9999) throw new RangeError(`epoch time out of range (years 0001-9999): ${ms}`);
  const h = Math.floor(rem / 3_600_000);
  rem -= h * 3_600_000;
  const mi = Math.floor(rem / 60_000);
  rem -= mi * 60_000;
  const s = Math.floor(rem / 1000);
  const milli = rem - s * 1000;
  const m3 = milli < 10 ? `00${milli}` : milli < 100 ? `0${milli}` : `${milli}`;
  return `${pad4(y)}-${pad2(scratch[1]!)}-${pad2(scratch[2]!)} ${pad2(h)}:${pad2(mi)}:${pad2(s)}.${m3}000`;
}

/** `YYYY-MM-DD HH:00:00`: the hour a normalized timestamp belongs to. */
export function hourOf(ts: string): string {
  return `${ts.slice(0, 13)}:00:00`;
}

/**
 * From a normalized `YYYY-MM-DD HH:MM:SS[.ffffff]` to RFC 3339 UTC: `YYYY-MM-DDTHH:MM:SSZ`, or with
 * the fraction (trailing zeros trimmed) when it is not zero.
 */
export function toRfc3339(ts: string): string {
  const base = `${ts.slice(0, 10)}T${ts.slice(11, 19)}`;
  const dot = ts.indexOf('.', 19);
  if (dot < 0) return `${base}Z`;
  let end = ts.length;
  while (end > dot + 1 && ts.charCodeAt(end - 1) === DIGIT_0) end--;
  return end === dot + 1 ? `${base}Z` : `${base + ts.slice(dot, end)}Z`;
}

/**
 * From a normalized `YYYY-MM-DD HH:MM:SS[.ffffff]` to the one spelling every JSON output uses for an
 * instant: `YYYY-MM-DDTHH:MM:SS.mmmZ`, what Date#toISOString writes (a finer fraction cut to milliseconds).
 */
export function toJsonInstant(ts: string): string {
  const milli = ts.length > 20 && ts.charCodeAt(19) === DOT ? `${ts.slice(20, 23)}00`.slice(0, 3) : '000';
  return `${ts.slice(0, 10)}T${ts.slice(11, 19)}.${milli}Z`;
}

/** Hours since the epoch of a normalized UTC timestamp (the hour it belongs to, as a number). */
export function epochHourOf(ts: string): number {
  return Math.floor(epochMsOf(ts) / 3_600_000);
}

/** The `YYYY-MM-DD HH:00:00` hour of an epochHourOf number. */
export function hourOfEpochHour(hour: number): string {
  return hourOf(formatEpochMs(hour * 3_600_000));
}

/** Epoch milliseconds of a normalized UTC timestamp (microseconds truncated). TZ-independent. */
export function epochMsOf(ts: string): number {
  const y = Number(ts.slice(0, 4));
  const mo = Number(ts.slice(5, 7));
  const d = Number(ts.slice(8, 10));
  const h = Number(ts.slice(11, 13));
  const mi = Number(ts.slice(14, 16));
  const s = Number(ts.slice(17, 19));
  const milli = ts.length > 20 ? Number(`${ts.slice(20)}000`.slice(0, 3)) : 0;
  return daysFromCivil(y, mo, d) * MS_PER_DAY + ((h * 60 + mi) * 60 + s) * 1000 + milli;
}
