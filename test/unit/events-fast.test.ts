/**
 * The fast path (bytes → COPY line) against the reference path (validateEvent → row → COPY line): for
 * every payload, either the fast path declines (BAIL, nothing written) or it writes exactly the
 * reference line, transaction_id bits and event hour, for an event the reference path accepts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateEvent } from '../../src/events/event.ts';
import { BAIL, encodeEventFast } from '../../src/events/fast-event.ts';
import { DEFAULT_LIMITS, type EventLimits } from '../../src/events/limits.ts';
import { epochHourOf } from '../../src/events/timestamp.ts';
import { generateEvents } from '../../src/events/generator.ts';
import { Prng } from '../../src/events/prng.ts';
import { EVENT_COLUMNS } from '../../src/ingest/prepare-batch.ts';
import { idWords } from '../../src/ingest/id-set.ts';
import { CopyWriter } from '../../src/warehouse/copy-text.ts';

const RECORD_MS = Date.UTC(2026, 2, 1, 0, 0, 9, 250);
/** Every time the calendar code handles (years 0001-9999): the byte path's conversions, edge to edge. */
const ALL_YEARS: EventLimits = {
  ...DEFAULT_LIMITS,
  minEventTimeMs: Date.parse('0001-01-01T00:00:00Z'),
  maxEventTimeMs: Date.parse('9999-12-31T23:59:59.999Z') + 1,
};

interface Result {
  fast: boolean;
  line?: string;
}

const BEFORE = Buffer.from('{"x":1}');
const AFTER = Buffer.from('}');

/** The payload at [7, 7 + length) of a larger Buffer, as the ingest hands them over. */
function inBuffer(bytes: Uint8Array): Uint8Array {
  return Buffer.concat([BEFORE, bytes, AFTER]);
}

/** The same, in a plain Uint8Array (not a Buffer) that itself starts inside its ArrayBuffer. */
function inPlainView(bytes: Uint8Array): Uint8Array {
  const view = new Uint8Array(new ArrayBuffer(bytes.length + 16), 5, BEFORE.length + bytes.length + AFTER.length);
  view.set(BEFORE, 0);
  view.set(bytes, BEFORE.length);
  view.set(AFTER, BEFORE.length + bytes.length);
  return view;
}

/** Checks one payload; returns whether the fast path took it. */
function check(bytes: Uint8Array, recordMs = RECORD_MS, pack = inBuffer, limits = ALL_YEARS): Result {
  const w = new CopyWriter(256);
  w.text('prefix\n'); // the fast path appends after what is there, and leaves it alone on BAIL
  const ids = new Uint32Array(8).fill(7);
  const packed = pack(bytes);
  const hour = encodeEventFast(packed, 7, 7 + bytes.length, recordMs, w, ids, 4, limits);
  const reference = validateEvent(new TextDecoder().decode(bytes), recordMs, limits);
  const shown = Buffer.from(bytes).toString('utf8').slice(0, 300);
  if (hour === BAIL) {
    assert.equal(w.bytesWritten().toString('latin1'), 'prefix\n', `BAIL wrote nothing: ${shown}`);
    return { fast: false };
  }
  assert.ok(reference.ok, `the fast path accepted what the reference path rejects (${reference.ok ? '' : reference.reason}): ${shown}`);
  const expected = new CopyWriter(256);
  expected.row(EVENT_COLUMNS.map((c) => reference.row[c]));
  const line = w.bytesWritten().subarray(7).toString('utf8');
  assert.equal(line, expected.bytesWritten().toString('utf8'), `same COPY line: ${shown}`);
  const words = new Uint32Array(4);
  assert.ok(idWords(reference.row.transaction_id, words, 0));
  assert.deepEqual([...ids.subarray(4)], [...words], `same id bits: ${shown}`);
  assert.equal(hour, epochHourOf(reference.row.event_time), `same hour: ${shown}`);
  return { fast: true, line };
}

const text = (s: string) => check(Buffer.from(s, 'utf8'));

const TX = '3F2B8C1E-9a4d-4e2f-8b1a-2c3d4e5f6a7b';
const USER = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
function event(fields: Record<string, string>, drop: string[] = []): string {
  const o: Record<string, string> = {
    transaction_id: `"${TX}"`,
    user_id: `"${USER}"`,
    amount: '"12.50"',
    currency: '"USD"',
    status: '"completed"',
    event_time: '"2026-03-01T05:30:00.123Z"',
    processing_time: '"2026-03-01T05:31:00Z"',
    ...fields,
  };
  for (const k of drop) delete o[k];
  return (
    '{' +
    Object.entries(o)
      .map(([k, v]) => `"${k}":${v}`)
      .join(',') +
    '}'
  );
}

test('the common shapes take the fast path and match the reference exactly', () => {
  const r = text(event({}));
  assert.ok(r.fast);
  assert.equal(
    r.line,
    '3f2b8c1e-9a4d-4e2f-8b1a-2c3d4e5f6a7b\ta1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d\t12.5\tUSD\tcompleted\t2026-03-01 05:30:00.123000\t2026-03-01 05:31:00.000000\t\\N\n',
  );
  for (const amount of ['233.60', '0', '0.000', '"007.50"', '"0.05"', '100', '"123456789012345678.123456789012345678"']) {
    assert.ok(text(event({ amount })).fast, amount);
  }
  for (const ts of [
    '"2026-03-01T05:30:00Z"',
    '"2026-03-01t05:30:00.1z"',
    '"2026-03-01 05:30:00.123456789"',
    '"2024-02-29T23:59:59Z"',
    '"0001-01-01T00:00:00Z"',
    '"2026-03-01T05:30:00+05:30"',
    '"2026-03-01T05:30Z"',
    '"2026-03-01T00:30:00-02"',
  ]) {
    assert.ok(text(event({ event_time: ts })).fast, ts);
  }
  // ±HH:MM offsets are converted on the byte path: across midnight, month ends, leap days and years.
  for (const ts of [
    '"2026-01-01T01:30:00.5+02:00"',
    '"2024-02-28T23:30:00-01:00"',
    '"2023-02-28T23:30:00-01:00"',
    '"2025-12-31T22:15:59.1234567-01:45"',
    '"9999-12-31T23:00:00+05:45"',
    '"0001-01-01T00:30:00+00:15"',
    '"2026-03-01T05:30:00-00:00"',
    '"2026-06-30T23:59:59.999999+23:59"',
  ]) {
    assert.ok(text(event({ event_time: ts, processing_time: ts })).fast, ts);
  }
  assert.match(text(event({ event_time: '"2024-03-01T00:30:00.25+01:00"' })).line!, /\t2024-02-29 23:30:00\.250000\t/);
  assert.ok(text(event({}, ['processing_time'])).fast, 'processing_time from the record timestamp');
  assert.ok(text(event({ processing_time: 'null' })).fast);
  assert.ok(text(` \n{ "status" : "ok" , ${event({}, ['status']).slice(1)} \r\n`).fast, 'whitespace and key order');
  assert.ok(text(event({ extra: '"x"', n: '-1.5e-3', t: 'true', f: 'false', z: 'null' })).fast, 'unknown scalar fields');
  assert.ok(text(event({ status: '"~ DEL\u007f #1"' })).fast);
});

test('everything else declines, and the reference path decides', () => {
  const declined = [
    event({ amount: '1e3' }),
    event({ amount: '-0' }),
    event({ amount: '-5' }),
    event({ amount: '"12."' }),
    event({ amount: '".5"' }),
    event({ amount: '1234567890123456789' }),
    event({ amount: '"1.1234567890123456789"' }),
    event({ amount: 'true' }),
    event({ amount: 'null' }),
    event({ amount: '012' }),
    event({ amount: '"+1"' }),
    event({ amount: '" 1"' }),
    event({ event_time: '"0000-01-01T00:00:00Z"' }),
    event({ event_time: '"2026-02-29T00:00:00Z"' }),
    event({ event_time: '"2026-03-01T24:00:00Z"' }),
    event({ event_time: '"2026-03-01T05:30:60Z"' }),
    event({ event_time: '"2026-03-01T05:30:00.Z"' }),
    event({ event_time: '"2026-03-01T05:30:00Zx"' }),
    event({ event_time: '"0001-01-01T00:00:00+00:01"' }),
    event({ event_time: '"9999-12-31T23:59:59-00:01"' }),
    event({ event_time: '"2026-03-01T05:30:00+24:00"' }),
    event({ event_time: '"2026-03-01T05:30:00+05:60"' }),
    event({ event_time: '"2026-03-01T05:30:00+05:3"' }),
    event({ event_time: '"2026-03-01T05:30:00+0530x"' }),
    event({ event_time: '"2026-03-01"' }),
    event({ event_time: '1767225600000' }),
    event({ processing_time: '"soon"' }),
    event({ processing_time: '5' }),
    event({ status: '"   "' }),
    event({ status: '""' }),
    event({ status: `"${'x'.repeat(33)}"` }),
    event({ status: '"a\\tb"' }),
    event({ status: '"café"' }),
    event({ status: '"\\u0041"' }),
    event({ currency: '"usd"' }),
    event({ currency: '"USDX"' }),
    event({ transaction_id: '"not-a-uuid"' }),
    event({ transaction_id: '"3f2b8c1e-9a4d-4e2f-8b1a-2c3d4e5f6a7g"' }),
    event({ transaction_id: '"3f2b8c1e+9a4d-4e2f-8b1a-2c3d4e5f6a7b"' }),
    event({ user_id: '7' }),
    event({ extra: '{"a":1}' }),
    event({ extra: '[1]' }),
    event({ extra: '"\\n"' }),
    event({ extra: '"é"' }),
    event({}, ['amount']),
    event({}, ['transaction_id']),
    event({}, ['event_time']),
    `${event({})},`,
    event({}).slice(0, -1),
    `\ufeff${event({})}`,
    '{}',
    '[]',
    '',
    'null',
    '"x"',
    event({}).replace('"status"', '"status":"dup","status"'),
    event({}).replace('"status"', '"st\\u0061tus"'),
  ];
  for (const p of declined) assert.equal(text(p).fast, false, p);
  // Past the message size limit the reference path rejects; the fast path does not even look.
  assert.equal(
    check(Buffer.from(event({ pad: `"${'x'.repeat(70_000)}"` })), RECORD_MS, inBuffer, { ...ALL_YEARS, maxMessageBytes: 65_536 }).fast,
    false,
  );
  // A record timestamp out of range cannot default processing_time.
  assert.equal(check(Buffer.from(event({}, ['processing_time'])), 1e20).fast, false);
});

test('a plain Uint8Array view (not a Buffer) is read the same, timestamps parsed from text included', () => {
  for (const ts of [
    '"2026-03-01T05:30:00.123Z"',
    '"2026-03-01T05:30:00+05:30"',
    // Spellings the byte path hands to parseTimestamp as text.
    '"2026-03-01T05:30Z"',
    '"2026-03-01T05:30:00+0530"',
    '"2026-03-01T00:30:00-02"',
  ]) {
    const bytes = Buffer.from(event({ event_time: ts, processing_time: ts }));
    const viewed = check(bytes, RECORD_MS, inPlainView);
    assert.ok(viewed.fast, ts);
    assert.equal(viewed.line, check(bytes).line, ts);
  }
});

test('a non-ASCII byte in a timestamp declines, even one whose low seven bits are a digit', () => {
  // 0xb0 and 0xb3 are '0' and '3' with the high bit set: a decoding that drops that bit would accept them.
  for (const [ts, digit] of [
    ['2026-03-01T05:30:00Z', '0'],
    ['2026-03-01T05:30Z', '3'],
    ['2026-03-01T05:30:00+0530', '3'],
  ] as const) {
    const bytes = Buffer.from(event({ event_time: `"${ts}"` }));
    bytes[bytes.indexOf(ts) + ts.lastIndexOf(digit)] = digit.charCodeAt(0) | 0x80;
    assert.equal(check(bytes).fast, false, ts);
    assert.equal(check(bytes, RECORD_MS, inPlainView).fast, false, ts);
  }
});

test("generated traffic, including the generator's bad events, agrees with the reference", () => {
  let fast = 0;
  let n = 0;
  for (const line of generateEvents({
    count: 20_000,
    seed: 7,
    start: Date.UTC(2026, 0, 1),
    eventsPerHour: 5000,
    lateRatio: 0.1,
    duplicateRatio: 0.02,
    invalidRatio: 0.1,
  })) {
    if (check(Buffer.from(line, 'utf8')).fast) fast++;
    n++;
  }
  assert.ok(fast / n > 0.85, `most generated events take the fast path (${fast}/${n})`);
});

test('random timestamps and offsets: the byte path converts them as parseTimestamp does', () => {
  const rng = new Prng(7);
  const int = (n: number) => Math.floor(rng.float() * n);
  const p2 = (n: number) => String(n).padStart(2, '0');
  let fast = 0;
  for (let k = 0; k < 20_000; k++) {
    // Mostly valid fields, the edges of the calendar often, some out of range.
    const year = [1, 2, 1970, 2024, 9999, 1 + int(9999)][int(6)]!;
    const month = int(10) === 0 ? int(14) : 1 + int(12);
    const day = int(10) === 0 ? int(33) : 1 + int(28) + (int(2) ? int(3) : 0);
    const time = `${p2(int(10) === 0 ? int(25) : int(24))}:${p2(int(60))}:${p2(int(10) === 0 ? int(61) : int(60))}`;
    const frac = ['', '.5', '.123', '.1234567'][int(4)]!;
    const sign = int(2) ? '+' : '-';
    const zone = [`${sign}${p2(int(24))}:${p2(int(60))}`, `${sign}${p2(int(26))}:${p2(int(62))}`, 'Z', ''][int(4)]!;
    const ts = `"${String(year).padStart(4, '0')}-${p2(month)}-${p2(day)}T${time}${frac}${zone}"`;
    if (check(Buffer.from(event({ event_time: ts, processing_time: ts }), 'utf8')).fast) fast++;
  }
  assert.ok(fast > 12_000, `most of them are valid and taken (${fast})`);
});

test('random mutations of valid events never make the fast path disagree', () => {
  const rng = new Prng(42);
  const alphabet = '{}[]",:\\ 0123456789.eE+-TZtzabcdefABCDEF\u00e9\u0000\n\t';
  const seeds = [
    event({}),
    event({ amount: '233.60', event_time: '"2026-03-01T05:30:00+01:00"' }, ['processing_time']),
    event({ extra: '12', n: 'null' }),
  ];
  for (let k = 0; k < 30_000; k++) {
    let s = seeds[k % seeds.length]!;
    const edits = 1 + Math.floor(rng.float() * 3);
    for (let e = 0; e < edits; e++) {
      const at = Math.floor(rng.float() * (s.length + 1));
      const c = alphabet[Math.floor(rng.float() * alphabet.length)]!;
      const op = Math.floor(rng.float() * 3);
      s = op === 0 ? s.slice(0, at) + c + s.slice(at + 1) : op === 1 ? s.slice(0, at) + c + s.slice(at) : s.slice(0, at) + s.slice(at + 1);
    }
    check(Buffer.from(s, 'utf8'));
  }
  // Invalid UTF-8 bytes anywhere: declined, and the reference path sees U+FFFD.
  const bytes = Buffer.from(event({ extra: '"ab"' }), 'utf8');
  bytes[bytes.indexOf('ab')] = 0xff;
  assert.equal(check(bytes).fast, false);
});
