/** schema_version: v1 unchanged, v2 (amount_minor in ISO 4217 minor units, merchant_id) the same rows, unknown versions named. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateEvent } from '../../src/events/event.ts';
import { BAIL, encodeEventFast } from '../../src/events/fast-event.ts';
import { amountOfMinorUnits, currenciesWithMinorUnits, minorUnitExponent } from '../../src/events/minor-units.ts';
import { CopyWriter } from '../../src/warehouse/copy-text.ts';

const TX = '3f2b8c1e-9a4d-4e2f-8b1a-2c3d4e5f6a7b';
const USER = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
const MS = Date.UTC(2026, 2, 1, 0, 0, 5);

function v2(fields: Record<string, unknown> = {}, raw: Record<string, string> = {}): string {
  const base: Record<string, unknown> = {
    schema_version: 2,
    transaction_id: TX,
    user_id: USER,
    amount_minor: 1250,
    currency: 'USD',
    status: 'completed',
    event_time: '2026-03-01T00:00:00Z',
    ...fields,
  };
  let text = JSON.stringify(base);
  for (const [k, v] of Object.entries(raw)) text = text.replace(`"${k}":"@"`, `"${k}":${v}`);
  return text;
}

function accepted(payload: string) {
  const v = validateEvent(payload, MS);
  assert.ok(v.ok, `${payload}: ${v.ok ? '' : v.reason}`);
  return v.row;
}

function refused(payload: string): string {
  const v = validateEvent(payload, MS);
  assert.ok(!v.ok, `accepted: ${payload}`);
  return v.reason;
}

test('the ISO 4217 exponent table: the currencies everyone meets, funds codes, and no minor unit for metals and test codes', () => {
  const expect: Record<string, number | undefined> = {
    USD: 2,
    EUR: 2,
    GBP: 2,
    CHF: 2,
    CNY: 2,
    INR: 2,
    MXN: 2,
    ZAR: 2,
    HUF: 2,
    IDR: 2,
    JPY: 0,
    KRW: 0,
    VND: 0,
    CLP: 0,
    ISK: 0,
    PYG: 0,
    UGX: 0,
    XAF: 0,
    XOF: 0,
    XPF: 0,
    UYI: 0,
    VUV: 0,
    BIF: 0,
    DJF: 0,
    GNF: 0,
    KMF: 0,
    RWF: 0,
    KWD: 3,
    BHD: 3,
    OMR: 3,
    JOD: 3,
    IQD: 3,
    LYD: 3,
    TND: 3,
    CLF: 4,
    UYW: 4,
    XAU: undefined,
    XAG: undefined,
    XPT: undefined,
    XPD: undefined,
    XDR: undefined,
    XTS: undefined,
    XXX: undefined,
    XSU: undefined,
    XUA: undefined,
    HRK: undefined,
    SLL: undefined,
    ZWL: undefined,
    ABC: undefined,
    usd: undefined,
  };
  for (const [c, e] of Object.entries(expect)) assert.equal(minorUnitExponent(c), e, c);
  const all = currenciesWithMinorUnits();
  assert.equal(new Set(all).size, all.length, 'no code twice');
  assert.ok(all.every((c) => /^[A-Z]{3}$/.test(c)));
  assert.ok(all.length >= 160 && all.length <= 175, `about 167 current codes with a minor unit, got ${all.length}`);
  assert.deepEqual(
    all.filter((c) => minorUnitExponent(c) !== 2),
    [
      'BHD',
      'BIF',
      'CLF',
      'CLP',
      'DJF',
      'GNF',
      'IQD',
      'ISK',
      'JOD',
      'JPY',
      'KMF',
      'KRW',
      'KWD',
      'LYD',
      'OMR',
      'PYG',
      'RWF',
      'TND',
      'UGX',
      'UYI',
      'UYW',
      'VND',
      'VUV',
      'XAF',
      'XOF',
      'XPF',
    ],
  );
});

test('minor units to an exact decimal, normalized like parseAmount', () => {
  const cases: [string, number, string][] = [
    ['1250', 2, '12.5'],
    ['1200', 2, '12'],
    ['5', 2, '0.05'],
    ['0', 2, '0'],
    ['0', 0, '0'],
    ['1250', 0, '1250'],
    ['5', 3, '0.005'],
    ['1000', 3, '1'],
    ['1234567', 3, '1234.567'],
    ['1', 4, '0.0001'],
    ['9007199254740991', 2, '90071992547409.91'],
    ['9007199254740991', 4, '900719925474.0991'],
    ['10', 1, '1'],
  ];
  for (const [minor, e, amount] of cases) assert.equal(amountOfMinorUnits(minor, e), amount, `${minor} at ${e}`);
});

test('version 2 becomes the same row as version 1 with the same amount, merchant_id kept', () => {
  const one = accepted(
    JSON.stringify({ transaction_id: TX, user_id: USER, amount: '12.50', currency: 'USD', status: 'completed', event_time: '2026-03-01T00:00:00Z' }),
  );
  const two = accepted(v2({ merchant_id: 'merchant-42' }));
  assert.deepEqual(two, { ...one, merchant_id: 'merchant-42' });
  assert.equal(accepted(v2()).merchant_id, null);
  assert.equal(accepted(v2({ merchant_id: null })).merchant_id, null);
  assert.equal(accepted(v2({ currency: 'JPY', amount_minor: 1250 })).amount, '1250');
  assert.equal(accepted(v2({ currency: 'KWD', amount_minor: 1250 })).amount, '1.25');
  assert.equal(accepted(v2({ currency: 'KWD', amount_minor: 1 })).amount, '0.001');
  assert.equal(accepted(v2({ currency: 'CLF', amount_minor: 123456 })).amount, '12.3456');
  assert.equal(accepted(v2({ amount_minor: 0 })).amount, '0');
  // Exactly, never through a float, up to 2^53 - 1, in any integer-valued spelling (as JSON Schema's `integer`).
  assert.equal(accepted(v2({ amount_minor: '@' }, { amount_minor: '9007199254740991' })).amount, '90071992547409.91');
  assert.equal(accepted(v2({ amount_minor: '@' }, { amount_minor: '1.25e3' })).amount, '12.5');
  assert.equal(accepted(v2({ amount_minor: '@' }, { amount_minor: '1250.000' })).amount, '12.5');
  // 1.0 is version 1, as JSON Schema's const compares numbers by value.
  assert.equal(accepted(v2({ schema_version: '@' }, { schema_version: '2.0' })).amount, '12.5');
  const explicitOne = JSON.stringify({
    schema_version: 1,
    transaction_id: TX,
    user_id: USER,
    amount: 3,
    currency: 'EUR',
    status: 'x',
    event_time: '2026-03-01T00:00:00Z',
  });
  assert.equal(accepted(explicitOne).amount, '3');
  assert.equal(accepted(explicitOne.replace('"schema_version":1', '"schema_version":null')).amount, '3');
});

test('version 2 refusals and their reasons', () => {
  assert.equal(refused(v2({ amount_minor: undefined })), 'missing field amount_minor');
  assert.equal(refused(v2({ amount_minor: null })), 'missing field amount_minor');
  assert.equal(refused(v2({ amount: '12.50' })), 'invalid amount: schema_version 2 carries amount_minor instead of amount');
  assert.equal(refused(v2({ amount: null })), 'invalid amount: schema_version 2 carries amount_minor instead of amount');
  // -0 too, as for a v1 amount: a sign on zero is refused (JSON Schema cannot tell -0 from 0: see its $comment).
  for (const bad of ['"1250"', '12.5', '-1', '-0', 'true', '[1]', '1e-2']) {
    assert.equal(refused(v2({ amount_minor: '@' }, { amount_minor: bad })), 'invalid amount_minor: must be a non-negative integer', bad);
  }
  for (const big of ['9007199254740992', '1e16', '123456789012345678901234567890']) {
    assert.equal(refused(v2({ amount_minor: '@' }, { amount_minor: big })), 'invalid amount_minor: out of range (at most 9007199254740991)', big);
  }
  assert.equal(refused(v2({ currency: 'XAU' })), 'invalid currency: XAU has no ISO 4217 minor unit (needed for amount_minor)');
  assert.equal(refused(v2({ currency: 'ABC' })), 'invalid currency: ABC has no ISO 4217 minor unit (needed for amount_minor)');
  assert.equal(refused(v2({ currency: 'usd' })), 'invalid currency: must be three uppercase ASCII letters A-Z');
  assert.equal(refused(v2({ merchant_id: '' })), 'invalid merchant_id: must be a string of 1 to 64 characters');
  assert.equal(refused(v2({ merchant_id: 42 })), 'invalid merchant_id: must be a string of 1 to 64 characters');
  assert.equal(refused(v2({ merchant_id: 'm'.repeat(65) })), 'invalid merchant_id: must be a string of 1 to 64 characters');
  assert.equal(accepted(v2({ merchant_id: '😀'.repeat(64) })).merchant_id, '😀'.repeat(64), '64 code points (128 UTF-16 units)');
  assert.equal(refused(v2({ merchant_id: 'a\u0000b' })), 'invalid merchant_id: contains NUL or an unpaired surrogate');
  assert.equal(refused(v2({ merchant_id: 'a\ud800b' })), 'invalid merchant_id: contains NUL or an unpaired surrogate');
  // The fields both versions share keep their rules and their order.
  assert.equal(refused(v2({ transaction_id: 'x' })), 'invalid transaction_id: not a UUID');
  assert.equal(refused(v2({ event_time: 'yesterday' })), 'invalid event_time: not an RFC 3339 timestamp');
});

test('an unknown schema_version is refused with the version in the reason', () => {
  assert.equal(refused(v2({ schema_version: 9 })), 'unknown schema_version 9');
  assert.equal(refused(v2({ schema_version: 0 })), 'unknown schema_version 0');
  assert.equal(refused(v2({ schema_version: '@' }, { schema_version: '3.5' })), 'unknown schema_version 3.5');
  assert.equal(refused(v2({ schema_version: '@' }, { schema_version: '1e400' })), 'unknown schema_version 1e400');
  assert.equal(refused(v2({ schema_version: '2' })), 'invalid schema_version: must be an integer');
  assert.equal(refused(v2({ schema_version: true })), 'invalid schema_version: must be an integer');
});

test('the fast path leaves every event that names a schema_version to the reference path, and still takes v1', () => {
  const fast = (text: string) => encodeEventFast(Buffer.from(text), 0, Buffer.byteLength(text), MS, new CopyWriter(256), new Uint32Array(4), 0);
  const plain = JSON.stringify({ transaction_id: TX, user_id: USER, amount: 1, currency: 'EUR', status: 'ok', event_time: '2026-03-01T00:00:00Z' });
  assert.notEqual(fast(plain), BAIL);
  assert.notEqual(fast(plain.replace('{', '{"merchant_id":"m-1",')), BAIL, 'an unknown field to version 1');
  assert.notEqual(fast(plain.replace('{', '{"schema_versio":1,')), BAIL);
  assert.equal(fast(plain.replace('{', '{"schema_version":1,')), BAIL);
  assert.equal(fast(v2()), BAIL);
  assert.equal(fast(v2({ schema_version: 9 })), BAIL);
});

test('an event naming its version, its amount_minor or its merchant twice is refused, not read one way', () => {
  for (const key of ['schema_version', 'amount_minor', 'merchant_id']) {
    const once = v2({ merchant_id: 'm-1' });
    const twice = once.replace('{', `{"${key}":1,`);
    assert.equal(refused(twice), `duplicate key ${key}: each event field may appear once`, key);
  }
});
