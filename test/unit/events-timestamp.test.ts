/** Tests internals: the time-zone-independent timestamp helpers of src/events/timestamp.ts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { epochHourOf, epochMsOf, formatEpochMs, hourOf, hourOfEpochHour, parseTimestamp, toRfc3339 } from '../../src/events/timestamp.ts';
import { Prng } from '../../src/events/prng.ts';

test('parseTimestamp converts offsets to UTC', () => {
  assert.equal(parseTimestamp('2026-03-01T05:30:00+05:30'), '2026-03-01 00:00:00.000000');
  assert.equal(parseTimestamp('2026-01-01T00:30:00-01:00'), '2026-01-01 01:30:00.000000');
  assert.equal(parseTimestamp('2026-01-01T00:30:00+01:00'), '2025-12-31 23:30:00.000000');
  assert.equal(parseTimestamp('2025-12-31T23:30:00-08:00'), '2026-01-01 07:30:00.000000');
  assert.equal(parseTimestamp('2026-03-01T05:30:00+0530'), '2026-03-01 00:00:00.000000');
  assert.equal(parseTimestamp('2026-03-01T05:30:00+05'), '2026-03-01 00:30:00.000000');
  assert.equal(parseTimestamp('2026-03-01T05:30:00-00:00'), '2026-03-01 05:30:00.000000');
  assert.equal(parseTimestamp('2024-03-01T01:00:00+02:00'), '2024-02-29 23:00:00.000000');
  assert.equal(parseTimestamp('2023-03-01T01:00:00+02:00'), '2023-02-28 23:00:00.000000');
  assert.equal(parseTimestamp('2026-06-15T12:00:00+23:59'), '2026-06-14 12:01:00.000000');
  assert.equal(parseTimestamp('2026-06-15T12:00:00-23:59'), '2026-06-16 11:59:00.000000');
});

test('parseTimestamp accepts the RFC 3339 / ISO 8601 variants', () => {
  assert.equal(parseTimestamp('2026-03-01T12:34:56Z'), '2026-03-01 12:34:56.000000');
  assert.equal(parseTimestamp('2026-03-01t12:34:56z'), '2026-03-01 12:34:56.000000');
  assert.equal(parseTimestamp('2026-03-01 12:34:56'), '2026-03-01 12:34:56.000000');
  assert.equal(parseTimestamp('2026-03-01T12:34'), '2026-03-01 12:34:00.000000');
  assert.equal(parseTimestamp('2026-03-01T12:34Z'), '2026-03-01 12:34:00.000000');
  assert.equal(parseTimestamp('2026-03-01T12:34+01:00'), '2026-03-01 11:34:00.000000');
  assert.equal(parseTimestamp('2026-03-01T12:34:56.5Z'), '2026-03-01 12:34:56.500000');
  assert.equal(parseTimestamp('2026-03-01T12:34:56.123456Z'), '2026-03-01 12:34:56.123456');
  // Truncated, never rounded: no carry into the seconds, minutes, ... year.
  assert.equal(parseTimestamp('2026-03-01T12:34:56.123456789Z'), '2026-03-01 12:34:56.123456');
  assert.equal(parseTimestamp('2025-12-31T23:59:59.9999999Z'), '2025-12-31 23:59:59.999999');
  assert.equal(parseTimestamp(`2026-03-01T12:34:56.${'9'.repeat(200)}+01:00`), '2026-03-01 11:34:56.999999');
  assert.equal(parseTimestamp('2026-03-01T12:34:56.000001'), '2026-03-01 12:34:56.000001');
});

test('parseTimestamp validates calendar ranges strictly', () => {
  assert.equal(parseTimestamp('2024-02-29T00:00:00Z'), '2024-02-29 00:00:00.000000');
  assert.equal(parseTimestamp('2000-02-29T00:00:00Z'), '2000-02-29 00:00:00.000000');
  assert.equal(parseTimestamp('2023-02-29T00:00:00Z'), null);
  assert.equal(parseTimestamp('1900-02-29T00:00:00Z'), null);
  assert.equal(parseTimestamp('2026-04-31T00:00:00Z'), null);
  assert.equal(parseTimestamp('2026-12-31T23:59:59Z'), '2026-12-31 23:59:59.000000');
  for (const bad of [
    '2026-13-01T00:00:00Z',
    '2026-00-01T00:00:00Z',
    '2026-01-00T00:00:00Z',
    '2026-01-32T00:00:00Z',
    '2026-01-01T24:00:00Z',
    '2026-01-01T23:60:00Z',
    '2026-01-01T23:59:60Z',
    '2026-01-01T00:00:00+24:00',
    '2026-01-01T00:00:00+05:60',
    '2026-01-01T00:00:00+5:30',
    '2026-01-01T00:00:00+05:3',
    '2026-01-01T00:00:00+05:30:00',
    '2026-01-01T00:00:00+',
  ]) {
    assert.equal(parseTimestamp(bad), null, bad);
  }
});

test('parseTimestamp rejects everything else', () => {
  for (const bad of [
    '',
    '2026-03-01',
    '2026-03-01T',
    '2026-03-01T12',
    '2026-03-01T12:3',
    '2026-3-01T12:34:56Z',
    '26-03-01T12:34:56Z',
    '+2026-03-01T12:34:56Z',
    '2026/03/01 12:34:56',
    '2026-03-01  12:34:56',
    '2026-03-01X12:34:56',
    '2026-03-01T12:34:56.Z',
    '2026-03-01T12:34.5Z',
    '2026-03-01T12:34:56ZZ',
    '2026-03-01T12:34:56 Z',
    ' 2026-03-01T12:34:56Z',
    '2026-03-01T12:34:56Z ',
    '2026-03-01T12:34:56UTC',
    '2026-03-01T12:34:56,5Z',
    '１２３４-03-01T12:34:56Z',
    '1700000000',
    'yesterday',
    'NaN',
  ]) {
    assert.equal(parseTimestamp(bad), null, bad);
  }
  assert.equal(parseTimestamp(1700000000 as unknown as string), null);
  assert.equal(parseTimestamp(null as unknown as string), null);
});

test('parseTimestamp keeps years 0001-9999, including years below 100', () => {
  assert.equal(parseTimestamp('0001-01-01T00:00:00Z'), '0001-01-01 00:00:00.000000');
  assert.equal(parseTimestamp('0099-03-01T00:00:00Z'), '0099-03-01 00:00:00.000000');
  assert.equal(parseTimestamp('0100-01-01T00:30:00+01:00'), '0099-12-31 23:30:00.000000');
  assert.equal(parseTimestamp('0004-02-29T12:00:00Z'), '0004-02-29 12:00:00.000000');
  assert.equal(parseTimestamp('0000-12-31T23:30:00-01:00'), '0001-01-01 00:30:00.000000');
  assert.equal(parseTimestamp('0000-06-01T00:00:00Z'), null);
  assert.equal(parseTimestamp('0001-01-01T00:30:00+01:00'), null);
  assert.equal(parseTimestamp('9999-12-31T23:59:59.999999Z'), '9999-12-31 23:59:59.999999');
  assert.equal(parseTimestamp('9999-12-31T23:30:00-01:00'), null);
});

test('parseTimestamp agrees with Date on random instants and offsets', () => {
  const rng = new Prng(7);
  const min = Date.UTC(1900, 0, 1);
  const max = Date.UTC(2200, 0, 1);
  for (let i = 0; i < 20_000; i++) {
    const ms = min + Math.floor(rng.float() * (max - min));
    const off = (rng.int(2) ? 1 : -1) * rng.int(24 * 60);
    const local = new Date(ms + off * 60_000).toISOString().slice(0, -1);
    const abs = Math.abs(off);
    const text = `${local + (off < 0 ? '-' : '+') + String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
    const expected = new Date(ms).toISOString().replace('T', ' ').replace('Z', '000');
    assert.equal(parseTimestamp(text), expected, text);
    assert.equal(formatEpochMs(ms), expected);
    assert.equal(epochMsOf(expected), ms);
  }
});

test('formatEpochMs', () => {
  assert.equal(formatEpochMs(0), '1970-01-01 00:00:00.000000');
  assert.equal(formatEpochMs(-1), '1969-12-31 23:59:59.999000');
  assert.equal(formatEpochMs(Date.UTC(2024, 1, 29, 23, 59, 59, 7)), '2024-02-29 23:59:59.007000');
  assert.equal(formatEpochMs(Date.UTC(2026, 0, 1, 5, 6, 7, 89) + 0.9), '2026-01-01 05:06:07.089000');
  assert.equal(formatEpochMs(-62135596800000), '0001-01-01 00:00:00.000000');
  assert.throws(() => formatEpochMs(-62135596800001), RangeError);
  assert.throws(() => formatEpochMs(Number.NaN), RangeError);
});

test('hourOf and toRfc3339', () => {
  assert.equal(hourOf('2026-03-01 05:59:59.999999'), '2026-03-01 05:00:00');
  assert.equal(hourOf('2026-03-01 00:00:00'), '2026-03-01 00:00:00');
  assert.equal(toRfc3339('2026-03-01 05:30:00.000000'), '2026-03-01T05:30:00Z');
  assert.equal(toRfc3339('2026-03-01 05:30:00'), '2026-03-01T05:30:00Z');
  assert.equal(toRfc3339('2026-03-01 05:30:00.500000'), '2026-03-01T05:30:00.5Z');
  assert.equal(toRfc3339('2026-03-01 05:30:00.123456'), '2026-03-01T05:30:00.123456Z');
  assert.equal(toRfc3339('2026-03-01 05:30:00.000010'), '2026-03-01T05:30:00.00001Z');
  const round = parseTimestamp(toRfc3339('2024-02-29 23:59:59.000100'));
  assert.equal(round, '2024-02-29 23:59:59.000100');
});

test('epoch hours round-trip to the hour a timestamp belongs to, before 1970 too', () => {
  assert.equal(epochHourOf('1970-01-01 01:59:59.999999'), 1);
  assert.equal(epochHourOf('1969-12-31 23:00:00.000000'), -1);
  assert.equal(hourOfEpochHour(epochHourOf('2026-03-01 05:30:00.123000')), '2026-03-01 05:00:00');
  assert.equal(hourOfEpochHour(epochHourOf('0001-01-01 00:59:00.000000')), '0001-01-01 00:00:00');
});
