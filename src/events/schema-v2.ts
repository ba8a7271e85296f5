/**
 * Event schema versions. `schema_version` absent or null is 1, today's event (`amount`, a decimal).
 * Version 2 is what a payments producer sends: `amount_minor`, an integer count of the currency's
 * minor units (ISO 4217, minor-units.ts) instead of `amount`, and an optional `merchant_id`. Both
 * become the same row; v2's amount is amount_minor / 10^exponent, exactly. Any other version is a dead
 * letter whose reason names it, so `txpipe dead-letters replay` can take it once a release knows it.
 * The JSON Schema files in schemas/ say the same (test/unit/event-schemas.test.ts holds them to it).
 */
import { parseAmount } from './amount.ts';
import { amountOfMinorUnits, minorUnitExponent } from './minor-units.ts';

export const SCHEMA_VERSIONS = [1, 2] as const;
export type SchemaVersion = (typeof SCHEMA_VERSIONS)[number];

/** The largest amount_minor: JSON Schema validators (and most producers) see the number as a double. */
export const MAX_AMOUNT_MINOR = Number.MAX_SAFE_INTEGER;
const MAX_AMOUNT_MINOR_TEXT = String(MAX_AMOUNT_MINOR);
export const MAX_MERCHANT_ID_LENGTH = 64;

type Result<T> = { ok: true; value: T } | { ok: false; reason: string };

function shown(source: string | null, value: unknown): string {
  const text = source ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/**
 * The event's schema version: `value` is its parsed schema_version, `source` that value's JSON text.
 * A number is compared by value (1.0 is 1), as JSON Schema's `const` does.
 */
export function schemaVersionOf(value: unknown, source: string | null): Result<SchemaVersion> {
  if (value === undefined || value === null) return { ok: true, value: 1 };
  if (typeof value !== 'number') return { ok: false, reason: 'invalid schema_version: must be an integer' };
  if (value === 1 || value === 2) return { ok: true, value };
  return { ok: false, reason: `unknown schema_version ${shown(source, value)}` };
}

/**
 * A v2 event's amount_minor as a plain integer string: `value` parsed, `source` its JSON text (read
 * exactly, never through a float). Integer-valued spellings count (`1250`, `1.25e3`, `1250.0`), as JSON
 * Schema's `integer` does; at most MAX_AMOUNT_MINOR.
 */
export function amountMinorOf(value: unknown, source: string | null): Result<string> {
  if (value === undefined || value === null) return { ok: false, reason: 'missing field amount_minor' };
  const notInteger = { ok: false as const, reason: 'invalid amount_minor: must be a non-negative integer' };
  if (typeof value !== 'number' || source === null) return notInteger;
  const parsed = parseAmount(source);
  if (!parsed.ok) return parsed.reason.startsWith('amount out of range') ? outOfRange() : notInteger;
  const minor = parsed.value;
  if (minor.includes('.')) return notInteger;
  if (minor.length > MAX_AMOUNT_MINOR_TEXT.length || (minor.length === MAX_AMOUNT_MINOR_TEXT.length && minor > MAX_AMOUNT_MINOR_TEXT)) {
    return outOfRange();
  }
  return { ok: true, value: minor };
}

function outOfRange(): { ok: false; reason: string } {
  return { ok: false, reason: `invalid amount_minor: out of range (at most ${MAX_AMOUNT_MINOR_TEXT})` };
}

/** The exact amount of `minor` units of a currency (already checked to be three uppercase letters). */
export function amountFromMinor(minor: string, currency: string): Result<string> {
  const exponent = minorUnitExponent(currency);
  if (exponent === undefined) {
    return { ok: false, reason: `invalid currency: ${currency} has no ISO 4217 minor unit (needed for amount_minor)` };
  }
  return { ok: true, value: amountOfMinorUnits(minor, exponent) };
}

/** Code points in s (JSON Schema's maxLength counts these, not UTF-16 units). */
function codePoints(s: string, max: number): number {
  let n = 0;
  for (const _ of s) if (++n > max) break;
  return n;
}

/** A v2 event's optional merchant_id: null when absent or null. */
export function merchantIdOf(value: unknown): Result<string | null> {
  if (value === undefined || value === null) return { ok: true, value: null };
  if (typeof value !== 'string' || value.length === 0 || codePoints(value, MAX_MERCHANT_ID_LENGTH) > MAX_MERCHANT_ID_LENGTH) {
    return { ok: false, reason: `invalid merchant_id: must be a string of 1 to ${MAX_MERCHANT_ID_LENGTH} characters` };
  }
  // PostgreSQL text cannot hold NUL, and lone surrogates would not survive UTF-8 encoding.
  if (value.includes('\u0000') || !value.isWellFormed()) return { ok: false, reason: 'invalid merchant_id: contains NUL or an unpaired surrogate' };
  return { ok: true, value };
}
