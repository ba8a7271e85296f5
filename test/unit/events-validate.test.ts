/** validateEvent at its module, with internals of src/events/event.ts (amountViaReviver, valueSourceOfTopLevelKey). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { amountViaReviver, validateEvent, valueSourceOfTopLevelKey, type RawRow } from '../../src/events/event.ts';
import { DEFAULT_LIMITS } from '../../src/events/limits.ts';
import { Prng } from '../../src/events/prng.ts';

const TX = '3f2b8c1e-9a4d-4e2f-8b1a-2c3d4e5f6a7b';
const USER = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
const RECORD_MS = Date.UTC(2026, 2, 1, 0, 0, 9, 250);

const base: Record<string, unknown> = {
  transaction_id: TX,
  user_id: USER,
  amount: '12.50',
  currency: 'USD',
  status: 'completed',
  event_time: '2026-03-01T05:30:00+05:30',
  processing_time: '2026-03-01T00:00:05.5Z',
};

function payload(changes: Record<string, unknown> = {}, drop: string[] = []): string {
  const o: Record<string, unknown> = { ...base, ...changes };
  for (const k of drop) delete o[k];
  return JSON.stringify(o);
}

function row(text: string): RawRow {
  const v = validateEvent(text, RECORD_MS);
  assert.ok(v.ok, v.ok ? '' : v.reason);
  return v.row;
}

function reason(text: string): string {
  const v = validateEvent(text, RECORD_MS);
  assert.ok(!v.ok, `expected rejection of ${text.slice(0, 200)}`);
  return v.reason;
}

test('a valid event becomes a warehouse row', () => {
  assert.deepEqual(row(payload()), {
    transaction_id: TX,
    user_id: USER,
    amount: '12.5',
    currency: 'USD',
    status: 'completed',
    event_time: '2026-03-01 00:00:00.000000',
    processing_time: '2026-03-01 00:00:05.500000',
    merchant_id: null,
  });
});

test('UUIDs of any case and version are accepted and lowercased', () => {
  const r = row(payload({ transaction_id: TX.toUpperCase(), user_id: '00000000-0000-0000-0000-00000000000A' }));
  assert.equal(r.transaction_id, TX);
  assert.equal(r.user_id, '00000000-0000-0000-0000-00000000000a');
  assert.equal(row(payload({ user_id: '0190f3a2-7c1e-7b3d-9c4e-5f6a7b8c9d0e' })).user_id, '0190f3a2-7c1e-7b3d-9c4e-5f6a7b8c9d0e');
});

test('amount: the exact JSON number source text, never a float', () => {
  const withAmount = (source: string) => payload().replace('"amount":"12.50"', `"amount":${source}`);
  assert.equal(row(withAmount('12.50')).amount, '12.5');
  assert.equal(row(withAmount('1e3')).amount, '1000');
  assert.equal(reason(withAmount('-0')), 'invalid amount: amount must be >= 0 without a sign (-0 is refused: write 0)');
  assert.equal(row(withAmount('0.123456789012345678')).amount, '0.123456789012345678');
  assert.equal(row(withAmount('123456789012345678.5')).amount, '123456789012345678.5');
  assert.equal(row(withAmount('999999999999999999.999999999999999999')).amount, '999999999999999999.999999999999999999');
  assert.equal(row(withAmount(' 7.10 ')).amount, '7.1');
  assert.equal(reason(withAmount('12345678901234567890.12')), 'invalid amount: amount out of range: more than 18 digits before the decimal point');
  assert.equal(reason(withAmount('9'.repeat(400))), 'invalid amount: amount out of range: more than 18 digits before the decimal point');
  assert.equal(reason(withAmount('1e309')), 'invalid amount: amount out of range: more than 18 digits before the decimal point');
  assert.equal(reason(withAmount('-1.5')), 'invalid amount: amount must be >= 0');
  assert.equal(reason(withAmount('true')), 'invalid amount: a boolean, not a decimal number');
  assert.equal(reason(withAmount('false')), 'invalid amount: a boolean, not a decimal number');
  assert.equal(reason(withAmount('{"value":1}')), 'invalid amount: an object, not a decimal number');
  assert.equal(reason(withAmount('[1]')), 'invalid amount: an array, not a decimal number');
  // As a string: the content, strictly, in plain decimal notation (exponents only in JSON numbers).
  assert.equal(
    reason(payload({ amount: '1e3' })),
    'invalid amount: a string amount must be plain decimal digits (no exponent; 1e2 is accepted as a JSON number)',
  );
  assert.equal(reason(payload({ amount: '-0' })), 'invalid amount: amount must be >= 0 without a sign (-0 is refused: write 0)');
  assert.equal(row(payload({ amount: '007.50' })).amount, '7.5');
  assert.equal(row(payload({ amount: '0.000' })).amount, '0');
  assert.equal(reason(payload({ amount: ' 12.50' })), 'invalid amount: amount is not a decimal number');
  assert.equal(reason(payload({ amount: '12.50 ' })), 'invalid amount: amount is not a decimal number');
  assert.equal(reason(payload({ amount: 'NaN' })), 'invalid amount: amount is not a decimal number');
  assert.equal(reason(payload({ amount: 'Infinity' })), 'invalid amount: amount is not a decimal number');
  assert.equal(reason(payload({ amount: '-3' })), 'invalid amount: amount must be >= 0');
  assert.equal(reason(payload({ amount: '' })), 'invalid amount: amount is not a decimal number');
});

test('amount: only the top-level field counts, whatever nests or repeats', () => {
  const tail = '"currency":"USD","status":"completed","event_time":"2026-03-01T00:00:00Z"';
  const head = `"transaction_id":"${TX}","user_id":"${USER}"`;
  assert.equal(row(`{"meta":{"amount":-5,"x":[{"amount":1e99}]},${head},"amount":7.25,${tail}}`).amount, '7.25');
  assert.equal(row(`{${head},"amount":7.25,"meta":{"amount":-5},"list":[{"amount":3}],${tail}}`).amount, '7.25');
  assert.equal(row(`{${head},"note":"\\"amount\\":99,","amount":7.25,${tail}}`).amount, '7.25');
  assert.equal(row(`{${head},"amount\\"":1,"amount":7.25,${tail}}`).amount, '7.25');
  assert.equal(reason(`{${head},"meta":{"amount":5},${tail}}`), 'missing field amount');
  // Duplicate keys of the schema are refused (JSON.parse would keep the last, other readers the first).
  const dup = 'duplicate key amount: each event field may appear once';
  assert.equal(reason(`{${head},"amount":1.5,"amount":2.50,${tail}}`), dup);
  assert.equal(reason(`{${head},"amount":1.5,"amount":"3.0",${tail}}`), dup);
  assert.equal(reason(`{${head},"amount":"1.5","\u0061mount":4.00,${tail}}`), dup);
  // Other keys may repeat: they are not read.
  assert.equal(row(`{${head},"note":1,"note":2,"amount":4.00,${tail}}`).amount, '4');
  // Escaped key spelling and whitespace everywhere.
  assert.equal(row(`{${head},"\\u0061mount":0.10,${tail}}`).amount, '0.1');
  assert.equal(row(`\n{ ${head} ,\r\n\t"amount"  :\t 1E+2 \n, ${tail} }\n`).amount, '100');
});

test('top-level source extraction agrees with the JSON.parse source-text reviver', () => {
  const rng = new Prng(11);
  const keys = ['amount', 'amount', 'a', 'x', 'amount\\"', '\\u0061mount', 'am\\u006fu\\u006et', 'amoun', 'amountt'];
  const number = () => rng.pick(['0', '-0', '12.50', '1e3', '1E-2', '0.123456789012345678901', '-7', '123456789012345678901234567890']);
  const value = (depth: number): string => {
    const k = rng.int(depth > 2 ? 3 : 6);
    if (k === 0) return number();
    if (k === 1) return JSON.stringify(rng.pick(['', 'a"b', '\\', '}{][', '"amount":1,', 'x\\"}']));
    if (k === 2) return rng.pick(['true', 'false', 'null']);
    if (k === 3) return `[${Array.from({ length: rng.int(4) }, () => value(depth + 1)).join(', ')}]`;
    return obj(depth + 1);
  };
  const obj = (depth: number): string => {
    const n = rng.int(6);
    const parts: string[] = [];
    for (let i = 0; i < n; i++) parts.push(`"${rng.pick(keys)}" : ${value(depth)}`);
    return `{ ${parts.join(' ,\n')} }`;
  };
  let numbers = 0;
  for (let i = 0; i < 5000; i++) {
    const text = obj(0);
    const viaReviver = amountViaReviver(text);
    if (typeof viaReviver === 'string' && /^-?\d/.test(viaReviver) && typeof JSON.parse(text).amount === 'number') {
      numbers++;
      assert.equal(valueSourceOfTopLevelKey(text, 'amount'), viaReviver, text);
    }
  }
  assert.ok(numbers > 500, `only ${numbers} cases with a number amount`);
});

test('each required field is named when missing (absent or null)', () => {
  for (const f of ['transaction_id', 'user_id', 'amount', 'currency', 'status', 'event_time']) {
    assert.equal(reason(payload({}, [f])), `missing field ${f}`);
    assert.equal(reason(payload({ [f]: null })), `missing field ${f}`);
  }
});

test('field rules and their reasons', () => {
  assert.equal(reason(payload({ transaction_id: 'not-a-uuid' })), 'invalid transaction_id: not a UUID');
  assert.equal(reason(payload({ transaction_id: TX.replaceAll('-', '') })), 'invalid transaction_id: not a UUID');
  assert.equal(reason(payload({ transaction_id: `{${TX}}` })), 'invalid transaction_id: not a UUID');
  assert.equal(reason(payload({ transaction_id: `${TX.slice(0, 35)}g` })), 'invalid transaction_id: not a UUID');
  assert.equal(reason(payload({ transaction_id: 42 })), 'invalid transaction_id: not a UUID');
  assert.equal(reason(payload({ user_id: ` ${USER}` })), 'invalid user_id: not a UUID');
  for (const c of ['usd', 'US', 'USDD', 'ÜSD', 'U$D', ' USD', 840]) {
    assert.equal(reason(payload({ currency: c })), 'invalid currency: must be three uppercase ASCII letters A-Z', String(c));
  }
  for (const s of ['', '   ', '\t\n', 'x'.repeat(33), 7, true, ['completed']]) {
    assert.match(reason(payload({ status: s })), /^invalid status: /, JSON.stringify(s));
  }
  assert.match(reason(payload({ status: 'ok\u0000' })), /^invalid status: /);
  assert.match(reason(payload({ status: 'ok\ud800' })), /^invalid status: /);
  assert.equal(row(payload({ status: 'x'.repeat(32) })).status, 'x'.repeat(32));
  assert.equal(row(payload({ status: ' Chargeback (partial) ' })).status, ' Chargeback (partial) ');
  assert.equal(row(payload({ status: 'rembolsé 💶' })).status, 'rembolsé 💶');
  for (const t of ['2026-03-01', 'yesterday', '2026-02-29T00:00:00Z', '2026-03-01T24:00:00Z', '']) {
    assert.equal(reason(payload({ event_time: t })), 'invalid event_time: not an RFC 3339 timestamp', String(t));
    assert.equal(reason(payload({ processing_time: t })), 'invalid processing_time: not an RFC 3339 timestamp');
  }
  // Numbers are refused as times: seconds or milliseconds would be a guess.
  for (const t of [1772323200000, 1772323200]) {
    assert.equal(reason(payload({ event_time: t })), 'invalid event_time: a number, not an RFC 3339 timestamp string');
    assert.equal(reason(payload({ processing_time: t })), 'invalid processing_time: a number, not an RFC 3339 timestamp string');
  }
});

test('processing_time defaults to the record timestamp', () => {
  assert.equal(row(payload({}, ['processing_time'])).processing_time, '2026-03-01 00:00:09.250000');
  assert.equal(row(payload({ processing_time: null })).processing_time, '2026-03-01 00:00:09.250000');
  assert.equal(row(payload({ processing_time: '2026-03-01 00:00:01' })).processing_time, '2026-03-01 00:00:01.000000');
});

test('unknown fields are ignored', () => {
  const r = row(payload({ merchant: { id: 1, amount: -1 }, tags: ['a'], user_id: USER, extra: null }));
  assert.equal(r.amount, '12.5');
  assert.deepEqual(Object.keys(r), ['transaction_id', 'user_id', 'amount', 'currency', 'status', 'event_time', 'processing_time', 'merchant_id']);
  assert.equal(row(payload({ merchant_id: 'm-1' })).merchant_id, null, 'version 1 has no merchant_id: the field is unknown there');
});

test('not JSON, not an object, too large', () => {
  assert.match(reason('not json'), /^not JSON: /);
  assert.match(reason(''), /^not JSON: /);
  assert.match(reason(payload().slice(0, 60)), /^not JSON: /);
  assert.match(reason(`${payload()},`), /^not JSON: /);
  assert.ok(reason('x'.repeat(10_000)).length < 140);
  assert.equal(reason(`[${payload()}]`), 'not a JSON object');
  assert.equal(reason('null'), 'not a JSON object');
  assert.equal(reason('12.5'), 'not a JSON object');
  assert.equal(reason('"text"'), 'not a JSON object');
  const padded = (n: number) => payload({ pad: 'x'.repeat(n) });
  const fits = padded(65_536 - padded(0).length);
  assert.equal(Buffer.byteLength(fits), 65_536);
  assert.equal(row(fits).amount, '12.5');
  assert.equal(row(fits).amount, '12.5');
  const small = { ...DEFAULT_LIMITS, maxMessageBytes: 65_536 };
  assert.equal(validateEvent(fits, RECORD_MS, small).ok, true);
  assert.equal(
    (validateEvent(padded(65_537 - padded(0).length), RECORD_MS, small) as { reason: string }).reason,
    'message too large: 65537 bytes, over the limit of 65536 (TXPIPE_MAX_MESSAGE_BYTES)',
  );
  // The limit counts bytes: 30,000 three-byte characters are 90,000 bytes.
  assert.match(
    (validateEvent(payload({ pad: '€'.repeat(30_000) }), RECORD_MS, small) as { reason: string }).reason,
    /^message too large: 90\d{3} bytes/,
  );
  assert.equal(validateEvent(payload({ pad: '€'.repeat(21_000) }), RECORD_MS, small).ok, true);
  // The default is 1 MiB.
  assert.equal(row(padded(1024 * 1024 - padded(0).length)).amount, '12.5');
  assert.match(reason(padded(1024 * 1024 + 1 - padded(0).length)), /^message too large: 1048577 bytes, over the limit of 1048576 /);
});

test('validation is deterministic and does not mutate anything shared', () => {
  const text = payload().replace('"amount":"12.50"', '"amount":12.50');
  const a = validateEvent(text, RECORD_MS);
  const b = validateEvent(text, RECORD_MS);
  assert.deepEqual(a, b);
  assert.notEqual(a.ok && a.row, b.ok && b.row);
});
