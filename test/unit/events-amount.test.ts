/** Tests internals: parseAmount (src/events/amount.ts), the exact decimal normalization behind validateEvent. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAmount } from '../../src/events/amount.ts';

function value(raw: string): string {
  const r = parseAmount(raw);
  assert.ok(r.ok, `${raw}: ${r.ok ? '' : r.reason}`);
  return r.value;
}

function reason(raw: string): string {
  const r = parseAmount(raw);
  assert.ok(!r.ok, `${raw} should be rejected, got ${r.ok ? r.value : ''}`);
  return r.reason;
}

test('parseAmount normalizes exactly', () => {
  const cases: [string, string][] = [
    ['0', '0'],
    ['0.000', '0'],
    ['0e5', '0'],
    ['12.50', '12.5'],
    ['12.5', '12.5'],
    ['12.00', '12'],
    ['007', '7'],
    ['007.0100', '7.01'],
    ['1e3', '1000'],
    ['1E3', '1000'],
    ['1e+3', '1000'],
    ['1.5e2', '150'],
    ['1.2345e2', '123.45'],
    ['1e-3', '0.001'],
    ['123.45e-5', '0.0012345'],
    ['12345e-2', '123.45'],
    ['0.1', '0.1'],
    ['500.00', '500'],
    ['1.00', '1'],
    ['123456789012345678', '123456789012345678'],
    ['0.123456789012345678', '0.123456789012345678'],
    ['999999999999999999.999999999999999999', '999999999999999999.999999999999999999'],
    ['0.1234567890123456789e1', '1.234567890123456789'],
    ['1000000000000000000e-1', '100000000000000000'],
    ['0.00000000000000000100000', '0.000000000000000001'],
    ['12345678901234567890e-10', '1234567890.123456789'],
  ];
  for (const [raw, expected] of cases) assert.equal(value(raw), expected, raw);
});

test('parseAmount rejects negatives, non-numbers and out-of-range values', () => {
  assert.equal(reason('-1'), 'amount must be >= 0');
  assert.equal(reason('-0.01'), 'amount must be >= 0');
  assert.equal(reason('-1e-30'), 'amount must be >= 0');
  assert.equal(reason('-1e999'), 'amount must be >= 0');
  // A negative zero is refused by name: an amount has no sign.
  for (const z of ['-0', '-0.000', '-0E-7', '-00e5']) assert.equal(reason(z), 'amount must be >= 0 without a sign (-0 is refused: write 0)', z);
  for (const bad of [
    '',
    ' 1',
    '1 ',
    '\t12.50',
    '+1',
    '.5',
    '5.',
    '1.2.3',
    '1e',
    '1e+',
    'e3',
    '0x10',
    '1_000',
    '1,5',
    'NaN',
    'Infinity',
    '-Infinity',
    'abc',
    '--1',
    '١٢',
    '12.50 EUR',
  ]) {
    assert.equal(reason(bad), 'amount is not a decimal number', JSON.stringify(bad));
  }
  for (const bad of ['12345678901234567890.12', '1234567890123456789', '1e18', '1e309', '1e999999999999', '9'.repeat(400)]) {
    assert.equal(reason(bad), 'amount out of range: more than 18 digits before the decimal point', bad);
  }
  for (const bad of ['0.1234567890123456789', '1e-19', '1e-999999999999', '1.0000000000000000001', `0.${'1'.repeat(400)}`]) {
    assert.equal(reason(bad), 'amount out of range: more than 18 digits after the decimal point', bad);
  }
  assert.equal(value('1e17'), '100000000000000000');
  assert.equal(value('1e-18'), '0.000000000000000001');
  assert.equal(value('0e999999999999'), '0');
  assert.equal(parseAmount(12 as unknown as string).ok, false);
});
