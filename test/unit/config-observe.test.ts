/** The alert and log settings in src/config.ts: defaults, values, and a secret webhook URL never echoed. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/config.ts';

test('alert rules default to late ratio 0.10 over 100 transactions, 15 minutes of freshness, 1 % dead letters over 100 records', () => {
  const c = loadConfig({});
  assert.deepEqual(c.alerts, {
    lateRatio: 0.1,
    lateMinTransactions: 100,
    freshnessSeconds: 900,
    deadLetterRatio: 0.01,
    deadLetterMinRecords: 100,
    webhookUrl: undefined,
  });
  assert.equal(c.logFormat, undefined);
});

test('alert and log settings are read; empty values are their defaults', () => {
  const c = loadConfig({
    TXPIPE_ALERT_LATE_RATIO: '0.25',
    TXPIPE_ALERT_LATE_MIN_TRANSACTIONS: '10',
    TXPIPE_ALERT_FRESHNESS_SECONDS: '0',
    TXPIPE_ALERT_DEAD_LETTER_RATIO: '',
    TXPIPE_ALERT_DEAD_LETTER_MIN_RECORDS: '1',
    TXPIPE_ALERT_WEBHOOK_URL: 'https://hooks.example.com/services/T0/B0/xyz',
    TXPIPE_LOG_FORMAT: 'json',
  });
  assert.deepEqual(c.alerts, {
    lateRatio: 0.25,
    lateMinTransactions: 10,
    freshnessSeconds: 0,
    deadLetterRatio: 0.01,
    deadLetterMinRecords: 1,
    webhookUrl: 'https://hooks.example.com/services/T0/B0/xyz',
  });
  assert.equal(c.logFormat, 'json');
});

test('a wrong alert setting is one line naming it; a wrong webhook URL is named, never shown', () => {
  const bad: [Record<string, string>, RegExp][] = [
    [{ TXPIPE_ALERT_LATE_RATIO: '1.5' }, /^TXPIPE_ALERT_LATE_RATIO: .*\(got "1\.5"\)$/],
    [{ TXPIPE_ALERT_LATE_MIN_TRANSACTIONS: '0' }, /^TXPIPE_ALERT_LATE_MIN_TRANSACTIONS: /],
    [{ TXPIPE_ALERT_FRESHNESS_SECONDS: 'soon' }, /^TXPIPE_ALERT_FRESHNESS_SECONDS: /],
    [{ TXPIPE_ALERT_DEAD_LETTER_RATIO: '-0.1' }, /^TXPIPE_ALERT_DEAD_LETTER_RATIO: /],
    [{ TXPIPE_LOG_FORMAT: 'xml' }, /^TXPIPE_LOG_FORMAT: /],
    [
      { TXPIPE_ALERT_WEBHOOK_URL: 'ftp://user:hunter2@example.com/t0ken' },
      /^TXPIPE_ALERT_WEBHOOK_URL: must be an http:\/\/ or https:\/\/ URL \(value hidden\)$/,
    ],
  ];
  for (const [env, message] of bad) {
    assert.throws(
      () => loadConfig(env),
      (err: unknown) => err instanceof ConfigError && message.test((err as Error).message) && !(err as Error).message.includes('\n'),
      JSON.stringify(env),
    );
  }
  try {
    loadConfig({ TXPIPE_ALERT_WEBHOOK_URL: 'not a url with s3cret' });
    assert.fail('accepted');
  } catch (err) {
    assert.doesNotMatch((err as Error).message, /s3cret/);
  }
});
