/** Tests internals: the CLI's flag parsers and output formats, COPY text, lock keys and error lines. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from 'commander';
import { intFlag, isoFlag, ratioFlag } from '../../src/cli/flags.ts';
import { CopyWriter } from '../../src/warehouse/copy-text.ts';
import { table } from '../../src/cli/table.ts';
import { metricsCsv, metricsJson } from '../../src/cli/format-metrics.ts';
import { lockKey } from '../../src/warehouse/lock-key.ts';

test('flag parsers accept good values and name the problem otherwise', () => {
  assert.equal(intFlag(1)('42'), 42);
  assert.throws(() => intFlag(1)('0'), InvalidArgumentError);
  assert.throws(() => intFlag(1)('4.2'), /must be an integer/);
  assert.equal(ratioFlag('0.25'), 0.25);
  assert.throws(() => ratioFlag('2'), /between 0 and 1/);
  assert.equal(isoFlag('2026-03-01T05:30:00+05:30'), '2026-03-01T00:00:00.000Z');
  assert.equal(isoFlag('2026-03-01 10:00'), '2026-03-01T10:00:00.000Z');
  assert.throws(() => isoFlag('tomorrow'), /RFC 3339/);
});

test('COPY text escapes backslash, tab, newline and CR, and writes null as \\N', () => {
  const rows = new CopyWriter();
  for (const r of [
    ['a\tb', null, 'c\\d', 'e\nf\rg'],
    ['plain', '', 'x', 'y'],
    ['é€😀', 'z', 'z', 'z'],
  ]) {
    rows.row(r);
  }
  const text = rows.bytesWritten().toString('utf8');
  assert.equal(text, 'a\\tb\t\\N\tc\\\\d\te\\nf\\rg\nplain\t\tx\ty\né€😀\tz\tz\tz\n');
  // Growing past the initial capacity keeps what was written.
  const w = new CopyWriter(256);
  const src = Buffer.from('x'.repeat(1000));
  w.bytes(src, 0, 1000);
  w.bytes(src, 0, 10);
  w.text('ü');
  assert.equal(w.bytesWritten().toString('utf8'), `${'x'.repeat(1010)}ü`);
});

test('metrics JSON keeps total_amount exact; CSV and tables line up', () => {
  const rows = [
    {
      event_hour: '2026-03-01 10:00:00',
      total_transactions: '2',
      total_amount: '12345678901234567.123456789',
      late_transactions: '1',
      late_ratio: 0.5,
    },
  ];
  assert.match(metricsJson(rows), /"total_amount": 12345678901234567\.123456789,/);
  assert.match(metricsJson(rows), /"event_hour": "2026-03-01T10:00:00.000Z"/);
  assert.equal(metricsCsv(rows).split('\n')[1], '2026-03-01T10:00:00.000Z,2,12345678901234567.123456789,1,0.5');
  assert.equal(
    table(
      ['a', 'n'],
      [
        ['x', '1'],
        ['yy', '10'],
      ],
    ),
    'a    n\n--  --\nx    1\nyy  10',
  );
});

test('lock keys are stable', () => {
  assert.equal(lockKey('dag:process_kafka_to_postgres'), lockKey('dag:process_kafka_to_postgres'));
  assert.notEqual(lockKey('a'), lockKey('b'));
});

test('an error prints with its distinct nested reasons on one line', async () => {
  const { describeError } = await import('../../src/cli/errors.ts');
  const agg = Object.assign(new Error('metadata failed 4 times.'), {
    errors: [new Error('Cannot connect to any broker.'), new Error('Cannot connect to any broker.')],
  });
  assert.equal(describeError(agg), 'metadata failed 4 times: Cannot connect to any broker.');
  assert.equal(describeError(new Error('outer', { cause: new Error('inner') })), 'outer: inner');
  assert.equal(describeError(new Error('plain')), 'plain');
  assert.equal(describeError('text'), 'text');
});

test('COPY integers are written digit by digit: zero, negatives, 2^53 − 1, and 64-bit offsets', () => {
  const w = new CopyWriter(16);
  for (const n of [0, 7, 10, -1, -120, 1_796_131_995_405, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER]) {
    w.integer(n);
    w.byte(9);
  }
  for (const n of [0n, 9_007_199_254_740_993n, -9_223_372_036_854_775_808n]) {
    w.bigint(n);
    w.byte(9);
  }
  assert.equal(
    w.bytesWritten().toString(),
    [
      '0',
      '7',
      '10',
      '-1',
      '-120',
      '1796131995405',
      '9007199254740991',
      '-9007199254740991',
      '0',
      '9007199254740993',
      '-9223372036854775808',
      '',
    ].join('\t'),
  );
});
