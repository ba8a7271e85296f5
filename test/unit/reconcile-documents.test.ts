/** The documents check on its own: what counts as a difference, what as pending, what as past retention. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { documentCheck, MAX_LISTED_DIFFERENCES } from '../../src/reconcile.ts';
import type { HourlyMetricsDoc } from '../../src/search/port.ts';

const doc = (event_hour: string, n = 10): HourlyMetricsDoc => ({
  event_hour,
  total_transactions: n,
  total_amount: n * 1.25,
  late_transactions: 1,
  late_ratio: 1 / n,
});

test('documents equal to their rows pass; a changed field is a mismatch naming only that field', () => {
  const rows = [doc('2026-03-01T10:00:00Z'), doc('2026-03-01T11:00:00Z', 20)];
  assert.deepEqual([documentCheck(rows, rows, new Set(), 400).ok, documentCheck(rows, rows, new Set(), 400).difference_count], [true, 0]);
  const changed = [rows[0]!, { ...rows[1]!, late_ratio: 0.5 }];
  assert.deepEqual(documentCheck(rows, changed, new Set(), 400).differences, [
    { kind: 'mismatch', event_hour: '2026-03-01T11:00:00.000Z', columns: ['late_ratio'], expected: { late_ratio: 0.05 }, found: { late_ratio: 0.5 } },
  ]);
});

test('a missing, a stray and a second document for one hour are differences, sorted by hour', () => {
  const rows = [doc('2026-03-01T10:00:00Z'), doc('2026-03-01T11:00:00Z')];
  const docs = [doc('2026-03-01T09:00:00Z'), rows[1]!, rows[1]!];
  const c = documentCheck(rows, docs, new Set(), 400);
  assert.equal(c.ok, false);
  assert.deepEqual(
    c.differences.map((d) => [d.kind, d.event_hour]),
    [
      ['unexpected', '2026-03-01T09:00:00.000Z'],
      ['missing', '2026-03-01T10:00:00.000Z'],
      ['duplicate', '2026-03-01T11:00:00.000Z'],
    ],
  );
});

test('hours queued for the index task are pending, whatever their documents hold', () => {
  const rows = [doc('2026-03-01T10:00:00Z'), doc('2026-03-01T11:00:00Z')];
  const docs = [{ ...rows[0]!, total_transactions: 9 }, doc('2026-03-01T12:00:00Z')];
  const c = documentCheck(rows, docs, new Set(['2026-03-01T10:00:00Z', '2026-03-01T11:00:00Z', '2026-03-01T12:00:00Z']), 400);
  assert.deepEqual([c.ok, c.difference_count, c.pending_hours], [true, 0, 3]);
});

test('hours older than the retention horizon (newest hour - retention days) are not expected in the index', () => {
  const rows = [doc('2026-01-01T00:00:00Z'), doc('2026-01-30T23:00:00Z'), doc('2026-03-01T00:00:00Z')];
  // 30 days before 2026-03-01T00: 2026-01-30T00, so only the first hour is past it.
  const c = documentCheck(rows, rows.slice(1), new Set(), 30);
  assert.deepEqual([c.ok, c.outside_retention_hours], [true, 1]);
  assert.equal(documentCheck(rows, rows.slice(2), new Set(), 30).differences[0]?.event_hour, '2026-01-30T23:00:00.000Z');
});

test('at most twenty differences are listed; all are counted', () => {
  const rows = Array.from({ length: 30 }, (_, i) => doc(new Date(Date.UTC(2026, 2, 1, i)).toISOString().replace('.000Z', 'Z')));
  const c = documentCheck(rows, [], new Set(), 400);
  assert.deepEqual([c.difference_count, c.differences.length], [30, MAX_LISTED_DIFFERENCES]);
  assert.equal(c.differences[0]!.event_hour, '2026-03-01T00:00:00.000Z');
});
