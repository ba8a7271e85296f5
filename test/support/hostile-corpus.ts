/**
 * The hostile corpus: messages an attacker or a broken producer sends, each with the outcome txpipe
 * must give it, written down by hand (never computed by the validator under test): a raw row (with
 * the status it must store verbatim), a dead letter with its exact reason, or a counted duplicate.
 * Generated, not checked in: the 5 MB message and the binary garbage are built here, deterministic.
 *
 * Every message is one NDJSON line (no LF byte in it, and no CR at its end), so the same corpus goes
 * through `txpipe produce --file` to the embedded log and to Kafka.
 */
import { createHash } from 'node:crypto';

export type Outcome =
  | { kind: 'row'; transactionId: string; status: string; amount: string }
  /** The exact reason; a pattern only where the text is V8's own JSON.parse message. */
  | { kind: 'dead'; reason: string | RegExp }
  | { kind: 'duplicate'; transactionId: string };

export interface HostileCase {
  name: string;
  bytes: Buffer;
  outcome: Outcome;
}

const USER = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
const WINDOW = '[1970-01-01T00:00:00Z, 2100-01-01T00:00:00Z)';
const MAX = 1024 * 1024;

/** The n-th transaction id of the corpus. */
export function corpusId(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

/** The JSON text of an event: `fields` override (undefined drops) the valid defaults; values are JSON source text. */
function event(n: number, fields: Record<string, string | undefined> = {}): string {
  const all: Record<string, string | undefined> = {
    transaction_id: JSON.stringify(corpusId(n)),
    user_id: JSON.stringify(USER),
    amount: '"12.50"',
    currency: '"EUR"',
    status: '"completed"',
    event_time: '"2026-03-01T10:15:00Z"',
    processing_time: '"2026-03-01T10:15:02Z"',
    ...fields,
  };
  const parts = Object.entries(all)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${JSON.stringify(k)}:${v}`);
  return `{${parts.join(',')}}`;
}

const text = (s: string) => Buffer.from(s, 'utf8');

/** Deterministic bytes with no LF or CR (one NDJSON line), never valid UTF-8 (0xC0 can start nothing). */
function garbage(length: number, seed: number): Buffer {
  const b = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    let c = x & 0xff;
    if (c === 0x0a || c === 0x0d) c = 0xc0;
    b[i] = c;
  }
  b[0] = 0xc0;
  return b;
}

const row = (n: number, status = 'completed', amount = '12.5'): Outcome => ({ kind: 'row', transactionId: corpusId(n), status, amount });
const dead = (reason: string | RegExp): Outcome => ({ kind: 'dead', reason });

const NOT_UTF8 = 'not UTF-8: the message holds an invalid UTF-8 byte sequence';
const TIME_WINDOW = (field: string) => `invalid ${field}: outside the accepted window ${WINDOW}`;
const OUT_OF_RANGE = 'invalid amount: amount out of range: more than 18 digits before the decimal point';
const STATUS = 'invalid status: must be a string of 1 to 32 characters (code points), not all white space';

/** SQL and script text that must be stored as data, verbatim. */
export const SQL_STATUS = "'); DROP TABLE transactions;--";
export const SCRIPT_STATUS = '<script>alert(1)</script>';

/** The corpus, in the order it is produced. `bigBytes` is the size of the oversized message (5 MB). */
export function hostileCorpus(bigBytes = 5_000_000): HostileCase[] {
  const big = Buffer.alloc(bigBytes, 0x78);
  Buffer.from(`${event(90, {}).slice(0, -1)},"pad":"`).copy(big);
  big.write('"}', bigBytes - 2, 'latin1');
  const deep = 100_000;
  const withBadByte = (n: number, field: string) => {
    const s = event(n, { [field]: '"comp\u0001leted"' });
    const b = text(s);
    b[b.indexOf(1)] = 0xff; // one byte that is no UTF-8
    return b;
  };
  const cases: HostileCase[] = [
    // Plain valid events, and ones whose text is hostile but allowed: stored as data, verbatim.
    { name: 'valid event', bytes: text(event(1)), outcome: row(1) },
    { name: 'SQL text in status', bytes: text(event(2, { status: JSON.stringify(SQL_STATUS) })), outcome: row(2, SQL_STATUS) },
    { name: 'script text in status', bytes: text(event(3, { status: JSON.stringify(SCRIPT_STATUS) })), outcome: row(3, SCRIPT_STATUS) },
    {
      name: 'backslashes, tab and quote in status',
      bytes: text(event(4, { status: JSON.stringify('a\\b\t"c" \\N') })),
      outcome: row(4, 'a\\b\t"c" \\N'),
    },
    { name: '32 emoji in status', bytes: text(event(5, { status: JSON.stringify('💳'.repeat(32)) })), outcome: row(5, '💳'.repeat(32)) },
    { name: 'escaped NUL in an unknown field', bytes: text(event(6, { note: '"\\u0000"' })), outcome: row(6) },
    { name: 'a number amount with an exponent', bytes: text(event(7, { amount: '1e2' })), outcome: row(7, 'completed', '100') },
    { name: 'the first instant of the window', bytes: text(event(8, { event_time: '"1970-01-01T00:00:00Z"' })), outcome: row(8) },
    { name: 'the last millisecond of the window', bytes: text(event(9, { event_time: '"2099-12-31T23:59:59.999Z"' })), outcome: row(9) },
    { name: 'deep nesting within the limit', bytes: text(event(10, { meta: `${'['.repeat(63)}${']'.repeat(63)}` })), outcome: row(10) },

    // Duplicates: an exact re-delivery, and another delivery of the same id with other content.
    { name: 'exact re-delivery', bytes: text(event(1)), outcome: { kind: 'duplicate', transactionId: corpusId(1) } },
    {
      name: 'same id, other content',
      bytes: text(event(2, { status: '"refunded"' })),
      outcome: { kind: 'duplicate', transactionId: corpusId(2) },
    },

    // Bytes: size before anything, then UTF-8.
    {
      name: 'a 5 MB message',
      bytes: big,
      outcome: dead(`message too large: ${bigBytes} bytes, over the limit of ${MAX} (TXPIPE_MAX_MESSAGE_BYTES)`),
    },
    { name: 'binary garbage', bytes: garbage(3000, 7), outcome: dead(NOT_UTF8) },
    { name: 'invalid UTF-8 byte in status', bytes: withBadByte(20, 'status'), outcome: dead(NOT_UTF8) },
    { name: 'invalid UTF-8 byte in an unknown field', bytes: withBadByte(21, 'note'), outcome: dead(NOT_UTF8) },
    {
      name: 'overlong UTF-8 encoding',
      bytes: Buffer.concat([text(event(22).slice(0, -1)), Buffer.from(',"x":"\xc0\xaf"}', 'latin1')]),
      outcome: dead(NOT_UTF8),
    },
    {
      name: 'UTF-8 encoded surrogate',
      bytes: Buffer.concat([text(event(23).slice(0, -1)), Buffer.from(',"x":"\xed\xa0\x80"}', 'latin1')]),
      outcome: dead(NOT_UTF8),
    },
    {
      name: 'a raw NUL byte in a string',
      bytes: text(event(24, { status: '"ok\u0000"' })),
      outcome: dead(/^not JSON: Bad control character in string literal in JSON at position \d+/),
    },
    {
      name: 'escaped NUL in status',
      bytes: text(event(25, { status: '"ok\\u0000"' })),
      outcome: dead('invalid status: contains NUL or an unpaired surrogate'),
    },
    { name: 'control bytes, not JSON', bytes: Buffer.from([1, 2, 3, 0x1b, 0x5b, 0x32, 0x4a]), outcome: dead(/^not JSON: Unexpected token/) },
    { name: 'a byte order mark', bytes: text(`\ufeff${event(26)}`), outcome: dead(/^not JSON: Unexpected token/) },

    // Structure.
    {
      name: '100,000-deep nesting',
      bytes: text(event(27, { meta: `${'['.repeat(deep)}${']'.repeat(deep)}` })),
      outcome: dead('not accepted: JSON nested deeper than 64 levels'),
    },
    {
      name: 'duplicated status key',
      bytes: text(event(28).replace('"status":', '"status":"ok","status":')),
      outcome: dead('duplicate key status: each event field may appear once'),
    },
    {
      name: 'duplicated transaction_id with another id',
      bytes: text(event(29).replace('"transaction_id":', `"transaction_id":"${corpusId(30)}","transaction_id":`)),
      outcome: dead('duplicate key transaction_id: each event field may appear once'),
    },

    // Amounts.
    { name: '400-digit amount', bytes: text(event(31, { amount: '9'.repeat(400) })), outcome: dead(OUT_OF_RANGE) },
    { name: '1e309 amount', bytes: text(event(32, { amount: '1e309' })), outcome: dead(OUT_OF_RANGE) },
    {
      name: '-0 amount',
      bytes: text(event(33, { amount: '-0' })),
      outcome: dead('invalid amount: amount must be >= 0 without a sign (-0 is refused: write 0)'),
    },
    { name: 'boolean amount', bytes: text(event(34, { amount: 'true' })), outcome: dead('invalid amount: a boolean, not a decimal number') },
    { name: 'array amount', bytes: text(event(35, { amount: '[1]' })), outcome: dead('invalid amount: an array, not a decimal number') },
    {
      name: 'object amount',
      bytes: text(event(36, { amount: '{"$numberDecimal":"1"}' })),
      outcome: dead('invalid amount: an object, not a decimal number'),
    },
    {
      name: 'exponent in a string amount',
      bytes: text(event(37, { amount: '"1e2"' })),
      outcome: dead('invalid amount: a string amount must be plain decimal digits (no exponent; 1e2 is accepted as a JSON number)'),
    },

    // Look-alikes and injection attempts in ids and currency.
    {
      name: 'Cyrillic look-alike currency',
      bytes: text(event(38, { currency: '"\u0415UR"' })),
      outcome: dead('invalid currency: must be three uppercase ASCII letters A-Z'),
    },
    {
      name: 'Cyrillic look-alike currency (USD)',
      bytes: text(event(39, { currency: '"U\u0405D"' })),
      outcome: dead('invalid currency: must be three uppercase ASCII letters A-Z'),
    },
    {
      name: 'NoSQL object as transaction_id',
      bytes: text(event(40, { transaction_id: '{"$gt":""}' })),
      outcome: dead('invalid transaction_id: not a UUID'),
    },
    { name: 'NoSQL object as user_id', bytes: text(event(41, { user_id: '{"$ne":null}' })), outcome: dead('invalid user_id: not a UUID') },
    {
      name: 'SQL text as transaction_id',
      bytes: text(event(42, { transaction_id: JSON.stringify("1' OR '1'='1") })),
      outcome: dead('invalid transaction_id: not a UUID'),
    },
    {
      name: 'SQL text as user_id',
      bytes: text(event(43, { user_id: JSON.stringify("'; DROP TABLE dead_letters; --") })),
      outcome: dead('invalid user_id: not a UUID'),
    },

    // Status rules.
    { name: '33 emoji in status', bytes: text(event(44, { status: JSON.stringify('💳'.repeat(33)) })), outcome: dead(STATUS) },
    { name: 'white space only status', bytes: text(event(45, { status: JSON.stringify('\u3000 \t') })), outcome: dead(STATUS) },

    // Times.
    { name: 'year 0', bytes: text(event(46, { event_time: '"0000-06-01T00:00:00Z"' })), outcome: dead(TIME_WINDOW('event_time')) },
    { name: 'year 10000', bytes: text(event(47, { event_time: '"10000-01-01T00:00:00Z"' })), outcome: dead(TIME_WINDOW('event_time')) },
    { name: 'year 1', bytes: text(event(48, { event_time: '"0001-01-01T00:00:00Z"' })), outcome: dead(TIME_WINDOW('event_time')) },
    { name: 'the end of the window', bytes: text(event(49, { event_time: '"2100-01-01T00:00:00Z"' })), outcome: dead(TIME_WINDOW('event_time')) },
    {
      name: 'processing_time before 1970',
      bytes: text(event(50, { processing_time: '"1969-12-31T23:59:59Z"' })),
      outcome: dead(TIME_WINDOW('processing_time')),
    },
    {
      name: 'event_time as a number',
      bytes: text(event(51, { event_time: '1772360100000' })),
      outcome: dead('invalid event_time: a number, not an RFC 3339 timestamp string'),
    },
    {
      name: 'processing_time as a number',
      bytes: text(event(52, { processing_time: '1772360102' })),
      outcome: dead('invalid processing_time: a number, not an RFC 3339 timestamp string'),
    },
  ];
  for (const c of cases) {
    if (c.bytes.includes(0x0a) || c.bytes.at(-1) === 0x0d) throw new Error(`corpus case ${c.name} is not one NDJSON line`);
  }
  return cases;
}

/** SHA-256 of a message, hex: how a test finds a case's dead letter wherever the log put it. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The corpus as an NDJSON file's bytes. */
export function corpusFile(cases: readonly HostileCase[]): Buffer {
  return Buffer.concat(cases.flatMap((c) => [c.bytes, Buffer.from('\n')]));
}

/** How many cases of each outcome. */
export function outcomeCounts(cases: readonly HostileCase[]): { rows: number; dead: number; duplicates: number } {
  return {
    rows: cases.filter((c) => c.outcome.kind === 'row').length,
    dead: cases.filter((c) => c.outcome.kind === 'dead').length,
    duplicates: cases.filter((c) => c.outcome.kind === 'duplicate').length,
  };
}
