/** The logger (src/observe/logger.ts, on pino): levels, scopes, and its two forms, JSON and pretty. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, defaultLogFormat } from '../../src/observe/logger.ts';

function captured(level: Parameters<typeof createLogger>[0], format: 'json' | 'pretty') {
  const lines: string[] = [];
  return { lines, logger: createLogger(level, 'txpipe', (l) => lines.push(l), format) };
}

test('json: one object per line with level, time, scope and message; fields kept; lower levels dropped', () => {
  const { lines, logger } = captured('info', 'json');
  const ingest = logger.child('ingest');
  ingest.debug('not shown');
  ingest.info('applied 5000 records');
  ingest.child('writer').warn('slow "commit"', { batch: 7 });
  logger.error('stopped');
  assert.equal(lines.length, 3);
  const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(
    records.map((r) => [r.level, r.scope, r.msg]),
    [
      ['info', 'txpipe.ingest', 'applied 5000 records'],
      ['warn', 'txpipe.ingest.writer', 'slow "commit"'],
      ['error', 'txpipe', 'stopped'],
    ],
  );
  assert.equal(records[1]!.batch, 7);
  for (const r of records) {
    assert.match(String(r.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(Math.abs(Date.parse(String(r.time)) - Date.now()) < 60_000);
  }
  // The scope key appears once, however deep the child.
  assert.equal(lines[1]!.split('"scope"').length, 2);
});

test('pretty: one readable line per record, time in UTC, scope before the message, no fields', () => {
  const { lines, logger } = captured('debug', 'pretty');
  logger.child('alerts').warn('alert late_ratio fired', { alert: { rule: 'late_ratio' } });
  logger.debug('details');
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, /^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\] WARN: txpipe\.alerts: alert late_ratio fired$/);
  assert.match(lines[1]!, /^\[[^\]]+\] DEBUG: txpipe: details$/);
});

test('silent writes nothing; the default form is pretty on a terminal, JSON otherwise', () => {
  const { lines, logger } = captured('silent', 'json');
  logger.error('nothing');
  logger.child('x').warn('nothing');
  assert.deepEqual(lines, []);
  assert.equal(defaultLogFormat({ isTTY: true }), 'pretty');
  assert.equal(defaultLogFormat({ isTTY: false }), 'json');
  assert.equal(defaultLogFormat({}), 'json');
});
