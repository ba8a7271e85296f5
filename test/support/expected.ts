/**
 * An independent computation of what the pipeline must produce from a list of messages, written for
 * the tests without txpipe's own validation, timestamp or decimal code: the end-to-end tests compare
 * txpipe's output with this.
 */

export interface ExpectedHour {
  event_hour: string; // RFC 3339, e.g. 2026-03-01T00:00:00Z
  total_transactions: number;
  total_amount: string; // exact decimal
  late_transactions: number;
}

export interface Expected {
  valid: number;
  duplicates: number;
  invalid: number;
  hours: ExpectedHour[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TS = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;

/** Microseconds since the epoch, or null when not a valid RFC 3339 date-time. */
export function micros(text: unknown): bigint | null {
  if (typeof text !== 'string') return null;
  const m = TS.exec(text);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number) as number[];
  const dim = [31, y! % 4 === 0 && (y! % 100 !== 0 || y! % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  if (mo! < 1 || mo! > 12 || d! < 1 || d! > dim[mo! - 1]! || h! > 23 || mi! > 59 || s! > 59) return null;
  const date = new Date(0);
  date.setUTCFullYear(y!, mo! - 1, d!);
  date.setUTCHours(h!, mi!, s!, 0);
  let us = BigInt(date.getTime()) * 1000n + BigInt((m[7] ?? '').padEnd(6, '0').slice(0, 6) || '0');
  if (m[9]) {
    const oh = Number(m[10]);
    const om = Number(m[11] ?? '0');
    if (oh > 23 || om > 59) return null;
    const off = BigInt((oh * 60 + om) * 60) * 1_000_000n;
    us = m[9] === '+' ? us - off : us + off;
  }
  return us;
}

/** Exact decimal as [digits, scale]; null if not a plain non-negative decimal. */
function decimal(v: unknown): { units: bigint; scale: number } | null {
  let text: string;
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0) return null;
    text = String(v);
    if (/e/i.test(text)) return null; // the test data never uses exponents
  } else if (typeof v === 'string') text = v;
  else return null;
  const m = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) return null;
  const frac = m[2] ?? '';
  return { units: BigInt(m[1]! + frac), scale: frac.length };
}

function addDecimal(a: { units: bigint; scale: number }, b: { units: bigint; scale: number }) {
  const scale = Math.max(a.scale, b.scale);
  return { units: a.units * 10n ** BigInt(scale - a.scale) + b.units * 10n ** BigInt(scale - b.scale), scale };
}

export function decimalText(d: { units: bigint; scale: number }): string {
  const s = d.units.toString().padStart(d.scale + 1, '0');
  return d.scale === 0 ? s : `${s.slice(0, -d.scale)}.${s.slice(-d.scale)}`;
}

/** Numeric equality of two decimal strings ("12.50" equals "12.5"). */
export function sameDecimal(a: string, b: string): boolean {
  const x = decimal(a);
  const y = decimal(b);
  if (!x || !y) return false;
  const scale = Math.max(x.scale, y.scale);
  return x.units * 10n ** BigInt(scale - x.scale) === y.units * 10n ** BigInt(scale - y.scale);
}

/**
 * `appendedAtMicros` stands for the log's append time, used as processing_time when an event has none;
 * the tests only use that for events whose lateness does not depend on the exact value.
 */
export function expectedMetrics(messages: readonly string[], appendedAtMicros: bigint): Expected {
  const seen = new Set<string>();
  const hours = new Map<bigint, { n: number; amount: { units: bigint; scale: number }; late: number }>();
  let valid = 0;
  let duplicates = 0;
  let invalid = 0;
  for (const msg of messages) {
    let e: unknown;
    try {
      e = JSON.parse(msg);
    } catch {
      invalid++;
      continue;
    }
    if (typeof e !== 'object' || e === null || Array.isArray(e)) {
      invalid++;
      continue;
    }
    const o = e as Record<string, unknown>;
    const amount = decimal(o.amount);
    const et = micros(o.event_time);
    const pt = o.processing_time === undefined || o.processing_time === null ? appendedAtMicros : micros(o.processing_time);
    const ok =
      typeof o.transaction_id === 'string' &&
      UUID.test(o.transaction_id) &&
      typeof o.user_id === 'string' &&
      UUID.test(o.user_id) &&
      amount !== null &&
      typeof o.currency === 'string' &&
      /^[A-Z]{3}$/.test(o.currency) &&
      typeof o.status === 'string' &&
      o.status.trim().length > 0 &&
      o.status.length <= 32 &&
      et !== null &&
      pt !== null;
    if (!ok) {
      invalid++;
      continue;
    }
    const id = (o.transaction_id as string).toLowerCase();
    if (seen.has(id)) {
      duplicates++;
      continue;
    }
    seen.add(id);
    valid++;
    const hourUs = (et! / 3_600_000_000n) * 3_600_000_000n - (et! < 0n && et! % 3_600_000_000n !== 0n ? 3_600_000_000n : 0n);
    const h = hours.get(hourUs) ?? { n: 0, amount: { units: 0n, scale: 0 }, late: 0 };
    h.n++;
    h.amount = addDecimal(h.amount, amount!);
    if (pt! - et! > 120_000_000n) h.late++;
    hours.set(hourUs, h);
  }
  return {
    valid,
    duplicates,
    invalid,
    hours: [...hours.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([us, h]) => ({
        event_hour: new Date(Number(us / 1000n)).toISOString(),
        total_transactions: h.n,
        total_amount: decimalText(h.amount),
        late_transactions: h.late,
      })),
  };
}
