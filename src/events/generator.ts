/**
 * Deterministic synthetic transactions as NDJSON lines: on-time events, late arrivals (possibly for
 * older hours), exact re-deliveries of earlier events, and deliberately invalid messages. The same
 * options always give the same lines (seeded PRNG, integer calendar math, no process TZ).
 */
import { Prng } from './prng.ts';

export interface GenerateOptions {
  count: number;
  seed: number;
  /** Epoch ms of the first event_time. */
  start: number;
  eventsPerHour: number;
  /** Probability that a fresh valid event is late (event_time 121 s – 2 h before processing_time). */
  lateRatio: number;
  /** Probability that a line re-emits an earlier valid line verbatim (once one exists). */
  duplicateRatio: number;
  /** Probability that a line is deliberately invalid. */
  invalidRatio: number;
}

export const CURRENCIES = ['USD', 'EUR', 'GBP', 'JPY', 'INR'] as const;
export const STATUSES = ['completed', 'pending', 'failed', 'refunded'] as const;
/** Cumulative weights of STATUSES: 80% completed, 10% pending, 6% failed, 4% refunded. */
const STATUS_CUMULATIVE = [0.8, 0.9, 0.96, 1] as const;
export const USER_POOL_SIZE = 1000;
/** Share of valid events whose event_time is written with a non-UTC offset (same instant). */
export const OFFSET_SHARE = 0.1;
/** Offsets in minutes used for that share. */
const OFFSETS = [330, -480, 60, 540, -300, 345, -210, 600, -600, 120] as const;
/** Earlier valid lines kept for re-delivery (bounded memory for any count). */
const DUPLICATE_WINDOW = 4096;

export const INVALID_KINDS = [
  'not-json',
  'json-array',
  'missing-field',
  'bad-uuid',
  'negative-amount',
  'lowercase-currency',
  'bad-timestamp',
  'empty-status',
] as const;
export type InvalidKind = (typeof INVALID_KINDS)[number];

const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, '0'));

function byteHex(n: number, shift: number): string {
  return HEX[(n >>> shift) & 0xff]!;
}

/** A random version-4 UUID (lowercase) from the PRNG. */
export function randomUuid(rng: Prng): string {
  const a = rng.nextU32();
  const b = rng.nextU32();
  const c = rng.nextU32();
  const d = rng.nextU32();
  const b2 = (b & 0xffff0fff) | 0x4000; // version nibble
  const c2 = ((c & 0x3fffffff) | 0x80000000) >>> 0; // variant 10xx
  return (
    byteHex(a, 24) +
    byteHex(a, 16) +
    byteHex(a, 8) +
    byteHex(a, 0) +
    '-' +
    byteHex(b2, 24) +
    byteHex(b2, 16) +
    '-' +
    byteHex(b2, 8) +
    byteHex(b2, 0) +
    '-' +
    byteHex(c2, 24) +
    byteHex(c2, 16) +
    '-' +
    byteHex(c2, 8) +
    byteHex(c2, 0) +
    byteHex(d, 24) +
    byteHex(d, 16) +
    byteHex(d, 8) +
    byteHex(d, 0)
  );
}

const DAY_MS = 86_400_000;
let cachedDay = NaN;
let cachedDate = '';

function pad2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

/**
 * `YYYY-MM-DDTHH:MM:SS.mmm` for epoch ms (no zone designator), TZ-free. The date part is cached per
 * day: Date#toISOString for every timestamp was most of the generator's time.
 */
function isoLocal(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  if (day !== cachedDay) {
    cachedDay = day;
    cachedDate = new Date(day * DAY_MS).toISOString().slice(0, 11);
  }
  let rem = ms - day * DAY_MS;
  const h = Math.floor(rem / 3_600_000);
  rem -= h * 3_600_000;
  const mi = Math.floor(rem / 60_000);
  rem -= mi * 60_000;
  const sec = Math.floor(rem / 1000);
  const milli = rem - sec * 1000;
  return `${cachedDate + pad2(h)}:${pad2(mi)}:${pad2(sec)}${milli < 10 ? '.00' : milli < 100 ? '.0' : '.'}${milli}`;
}

/** RFC 3339 in UTC with milliseconds, e.g. `2026-03-01T00:00:05.500Z`. */
function isoUtc(ms: number): string {
  return `${isoLocal(ms)}Z`;
}

/** The same instant written in local time at `offsetMin`, e.g. `2026-03-01T05:30:05.500+05:30`. */
function isoWithOffset(ms: number, offsetMin: number): string {
  const local = isoLocal(ms + offsetMin * 60_000);
  const abs = Math.abs(offsetMin);
  const hh = Math.floor(abs / 60);
  const mm = abs % 60;
  return `${local + (offsetMin < 0 ? '-' : '+') + (hh < 10 ? '0' : '') + hh}:${mm < 10 ? '0' : ''}${mm}`;
}

function amountText(cents: number): string {
  const frac = cents % 100;
  return Math.floor(cents / 100) + (frac < 10 ? '.0' : '.') + frac;
}

interface Fields {
  transaction_id: string;
  user_id: string;
  /** JSON text of the value: `12.50` (number) or `"12.50"` (string). */
  amount: string;
  currency: string;
  status: string;
  event_time: string;
  processing_time: string;
}

const FIELD_NAMES = ['transaction_id', 'user_id', 'amount', 'currency', 'status', 'event_time', 'processing_time'] as const;
/** Fields whose absence makes an event invalid (processing_time is optional). */
const REQUIRED_FIELDS = FIELD_NAMES.slice(0, 6);

function render(f: Fields, omit?: string): string {
  let out = '{';
  for (const name of FIELD_NAMES) {
    if (name === omit) continue;
    if (out.length > 1) out += ',';
    out += `"${name}":${name === 'amount' ? f.amount : JSON.stringify(f[name])}`;
  }
  return `${out}}`;
}

/**
 * Lines are built with Array#join, which produces one flat string. Built with `+` every line would
 * stay a rope of ~50 pieces (UUIDs and timestamps are concatenations too): a caller retaining 1M
 * lines then spent over 4 s in garbage collection.
 */
const PARTS: string[] = [
  '{"transaction_id":"',
  '',
  '","user_id":"',
  '',
  '","amount":',
  '',
  ',"currency":"',
  '',
  '","status":"',
  '',
  '","event_time":"',
  '',
  '","processing_time":"',
  '',
  '"}',
];

function renderFast(f: Fields): string {
  PARTS[1] = f.transaction_id;
  PARTS[3] = f.user_id;
  PARTS[5] = f.amount;
  PARTS[7] = f.currency;
  PARTS[9] = f.status;
  PARTS[11] = f.event_time;
  PARTS[13] = f.processing_time;
  return PARTS.join('');
}

function checkOptions(o: GenerateOptions): void {
  const ratio = (name: keyof GenerateOptions) => {
    const v = o[name];
    if (!(typeof v === 'number' && v >= 0 && v <= 1)) throw new RangeError(`${name} must be between 0 and 1, got ${v}`);
  };
  if (!Number.isSafeInteger(o.count) || o.count < 0) throw new RangeError(`count must be a non-negative integer, got ${o.count}`);
  if (!Number.isFinite(o.seed)) throw new RangeError(`seed must be a finite number, got ${o.seed}`);
  if (!Number.isFinite(o.start)) throw new RangeError(`start must be epoch milliseconds, got ${o.start}`);
  if (!(o.eventsPerHour > 0 && Number.isFinite(o.eventsPerHour))) {
    throw new RangeError(`eventsPerHour must be > 0, got ${o.eventsPerHour}`);
  }
  ratio('lateRatio');
  ratio('duplicateRatio');
  ratio('invalidRatio');
  if (o.duplicateRatio + o.invalidRatio > 1) throw new RangeError('duplicateRatio + invalidRatio must not exceed 1');
}

/**
 * Yields exactly `count` NDJSON lines (no trailing newline). Line i is based at
 * start + i * 3_600_000 / eventsPerHour ms plus a jitter of under a second (and under the spacing).
 *  - invalid (probability invalidRatio): one of INVALID_KINDS, with a fresh transaction_id;
 *  - duplicate (probability duplicateRatio, once a valid line exists): an earlier valid line verbatim;
 *  - otherwise a fresh valid event, late with probability lateRatio: event_time = base − 121..7200 s
 *    and processing_time = base; else event_time = base and processing_time = base + 0.2..60 s.
 * About 10% of valid events write event_time with a non-UTC offset for the same instant.
 */
export function* generateEvents(o: GenerateOptions): Generator<string> {
  checkOptions(o);
  const rng = new Prng(o.seed, 0);
  const userRng = new Prng(o.seed, 1);
  const users: string[] = [];
  for (let i = 0; i < USER_POOL_SIZE; i++) users.push(randomUuid(userRng));
  const spacing = 3_600_000 / o.eventsPerHour;
  const maxJitter = Math.max(1, Math.min(1000, Math.floor(spacing)));
  const recent: string[] = [];
  let recentNext = 0;

  const fresh = (base: number): Fields => {
    const late = rng.float() < o.lateRatio;
    let eventMs: number;
    let processingMs: number;
    if (late) {
      eventMs = base - rng.range(121_000, 7_200_000);
      processingMs = base;
    } else {
      eventMs = base;
      processingMs = base + rng.range(200, 60_000);
    }
    const cents = rng.range(100, 50_000);
    const amount = amountText(cents);
    const s = rng.float();
    let status: string = STATUSES[0];
    for (let k = 0; k < STATUS_CUMULATIVE.length; k++) {
      if (s < STATUS_CUMULATIVE[k]!) {
        status = STATUSES[k]!;
        break;
      }
    }
    return {
      transaction_id: randomUuid(rng),
      user_id: users[rng.int(USER_POOL_SIZE)]!,
      amount: rng.float() < 0.5 ? amount : `"${amount}"`,
      currency: rng.pick(CURRENCIES),
      status,
      event_time: rng.float() < OFFSET_SHARE ? isoWithOffset(eventMs, rng.pick(OFFSETS)) : isoUtc(eventMs),
      processing_time: isoUtc(processingMs),
    };
  };

  for (let i = 0; i < o.count; i++) {
    const base = Math.floor(o.start + i * spacing) + rng.int(maxJitter);
    const r = rng.float();
    if (r < o.invalidRatio) {
      yield invalidLine(rng, fresh(base));
    } else if (r < o.invalidRatio + o.duplicateRatio && recent.length > 0) {
      yield recent[rng.int(recent.length)]!;
    } else {
      const line = renderFast(fresh(base));
      if (recent.length < DUPLICATE_WINDOW) recent.push(line);
      else {
        recent[recentNext] = line;
        recentNext = (recentNext + 1) % DUPLICATE_WINDOW;
      }
      yield line;
    }
  }
}

/** Turns a valid event into one deliberately invalid message of a random kind. */
function invalidLine(rng: Prng, f: Fields): string {
  const kind = rng.pick(INVALID_KINDS);
  switch (kind) {
    case 'not-json':
      return rng.float() < 0.5 ? renderFast(f).slice(0, 40 + rng.int(60)) : `transaction ${f.transaction_id} ok`;
    case 'json-array':
      return `[${renderFast(f)}]`;
    case 'missing-field':
      return render(f, rng.pick(REQUIRED_FIELDS));
    case 'bad-uuid':
      return rng.float() < 0.5
        ? renderFast({ ...f, transaction_id: `${f.transaction_id.slice(0, 35)}g` })
        : renderFast({ ...f, user_id: `${f.user_id.replaceAll('-', '')}x` });
    case 'negative-amount': {
      const text = f.amount.startsWith('"') ? `"-${f.amount.slice(1)}` : `-${f.amount}`;
      return renderFast({ ...f, amount: text });
    }
    case 'lowercase-currency':
      return renderFast({ ...f, currency: f.currency.toLowerCase() });
    case 'bad-timestamp': {
      const bad = ['yesterday', f.event_time.slice(0, 10), `${f.event_time.slice(0, 5)}13${f.event_time.slice(7)}`, '1700000000'];
      return renderFast({ ...f, event_time: rng.pick(bad) });
    }
    case 'empty-status':
      return renderFast({ ...f, status: rng.float() < 0.5 ? '' : '   ' });
  }
}

/**
 * A start (epoch ms) so that `count` events at `eventsPerHour` end around now: the current hour's
 * floor minus the whole hours they span. Event times never run past the current hour.
 */
export function defaultStart(count: number, eventsPerHour: number, nowMs: number): number {
  const hour = 3_600_000;
  const floor = Math.floor(nowMs / hour) * hour;
  const hours = eventsPerHour > 0 ? Math.ceil(count / eventsPerHour) : 0;
  return floor - hours * hour;
}
