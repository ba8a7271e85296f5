/** The web server's small parts on their own: token checks, the JSON of the hourly tables both ways, dead-letter IDs, safe printing, alert lines. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { authorized, presentedToken } from '../../src/web/auth.ts';
import { latencyJson, metricsJson, parseLatencyJson, parseMetricsJson } from '../../src/web/hourly-json.ts';
import { deadLetterId, parseDeadLetterId } from '../../src/web/dead-letters.ts';
import { printable } from '../../src/cli/dead-letters.ts';
import { describeAlert } from '../../src/web/routes/alerts.ts';
import { metricsCsv, metricsTable } from '../../src/cli/format-metrics.ts';

test('a token is accepted as Bearer or as the Basic password, and nothing else passes', () => {
  const token = 'abc.DEF-123';
  const basic = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;
  assert.equal(authorized(`Bearer ${token}`, token), true);
  assert.equal(authorized(`bearer  ${token} `, token), true);
  assert.equal(authorized(basic(`me:${token}`), token), true);
  assert.equal(authorized(basic(`:${token}`), token), true);
  for (const wrong of [undefined, '', token, `Bearer ${token}4`, `Bearer ${token.slice(1)}`, `Token ${token}`, basic(token), basic(`${token}:x`)]) {
    assert.equal(authorized(wrong, token), false, String(wrong));
  }
  assert.equal(presentedToken(basic('user:pass:with:colons')), 'pass:with:colons');
});

test('hourly metrics JSON reads back into the very rows it was written from, every digit of the amount kept', () => {
  const rows = [
    {
      event_hour: '2026-03-01 10:00:00',
      total_transactions: '3',
      total_amount: '123456789012345678.123456789012345678',
      late_transactions: '1',
      late_ratio: 1 / 3,
    },
    { event_hour: '2026-03-01 11:00:00', total_transactions: '4000000', total_amount: '0.10', late_transactions: '0', late_ratio: 0 },
  ];
  const text = metricsJson(rows);
  assert.match(text, /"total_amount": 123456789012345678\.123456789012345678,/);
  const back = parseMetricsJson(text);
  assert.equal(metricsJson(back), text);
  assert.equal(metricsCsv(back), metricsCsv(rows));
  assert.equal(metricsTable(back.slice(0, 1)), metricsTable(rows.slice(0, 1)));
  assert.equal(back[0]!.total_amount, rows[0]!.total_amount);

  const latency = [{ event_hour: '2026-03-01 10:00:00', transactions: 315, p50_seconds: 1.5, p95_seconds: 130.25, p99_seconds: 7000 }];
  assert.deepEqual(parseLatencyJson(latencyJson(latency)), latency);
  assert.equal(JSON.parse(latencyJson(latency))[0].event_hour, '2026-03-01T10:00:00.000Z');
});

test('a dead letter is named topic/partition/offset, or partition:offset on the configured topic', () => {
  assert.deepEqual(parseDeadLetterId('0:17', 'transactions'), { topic: 'transactions', partition: 0, offset: '17' });
  assert.deepEqual(parseDeadLetterId(' orders.v2/3/9223372036854775807 ', 'transactions'), {
    topic: 'orders.v2',
    partition: 3,
    offset: '9223372036854775807',
  });
  assert.deepEqual(parseDeadLetterId('transactions/0/007', 'x'), { topic: 'transactions', partition: 0, offset: '7' });
  for (const bad of [
    '',
    '17',
    '0:',
    ':1',
    'a:1',
    '0:-1',
    't/0',
    't/0/1/2',
    'bad topic/0/1',
    't/2147483648/1',
    't/0/9223372036854775808',
    '../0/1x',
  ]) {
    assert.equal(parseDeadLetterId(bad, 'transactions'), null, bad);
  }
  assert.equal(deadLetterId({ topic: 't', partition: 2, offset: '5' }), 't/2/5');
});

test('payloads print safely: controls, invisible and direction-changing characters become escapes; cuts never split a character', () => {
  const hostile = '\u001b[2J\u001b]0;title\u0007line1\nline2\r\tend\u202eevil\u202c\u200b\ufffd\u0085';
  const p = printable(hostile);
  assert.equal(p.text, '\\u001b[2J\\u001b]0;title\\u0007line1\\nline2\\r\\tend\\u202eevil\\u202c\\u200b\\ufffd\\u0085');
  assert.equal(p.cut, false);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters is the test
  assert.doesNotMatch(p.text, /[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/);
  assert.equal(printable('\ud800 lone').text, '\\ud800 lone');
  assert.deepEqual(printable('ab😀cd', 3), { text: 'ab😀', cut: true });
  assert.deepEqual(printable('abc', 3), { text: 'abc', cut: false });
  assert.equal(printable('plain <b>text</b> "quoted" \\u0000 é 中文').text, 'plain <b>text</b> "quoted" \\u0000 é 中文');
});

test('an alert reads as one line naming its measure and limit', () => {
  const base = { state: 'open' as const, fired_at: '2026-03-01T11:00:05Z', resolved_at: null };
  assert.equal(
    describeAlert({ ...base, rule: 'late_ratio', key: '2026-03-01T10:00:00Z', event_hour: '2026-03-01T10:00:00Z', value: 0.3125, threshold: 0.1 }),
    'late ratio 0.3125 in the hour 2026-03-01T10:00:00Z is above 0.1',
  );
  assert.equal(
    describeAlert({ ...base, rule: 'freshness', key: '2026-03-01T11:00:00Z', event_hour: null, value: 1234.4, threshold: 900 }),
    'the newest counted event is 1234 s old, more than 900 s',
  );
  assert.equal(
    describeAlert({ ...base, rule: 'dead_letter_ratio', key: '2026-03-01T11:00:00Z', event_hour: null, value: 0.05, threshold: 0.02 }),
    "dead letters are 0.0500 of the last hour's records, above 0.02",
  );
});
