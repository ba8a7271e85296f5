/** Compares `txpipe metrics hourly --format json` output with the independent computation. */
import assert from 'node:assert/strict';
import { sameDecimal, type Expected } from './expected.ts';

export interface MetricsJson {
  event_hour: string;
  total_transactions: number;
  total_amount: number;
  late_transactions: number;
  late_ratio: number;
}

/** The exact amounts, read from the JSON text (JSON.parse would round them through a float). */
function amountsFromJson(text: string): string[] {
  return [...text.matchAll(/"total_amount": ([0-9.]+)/g)].map((m) => m[1]!);
}

export function assertMatches(metricsText: string, expected: Expected): void {
  const rows = JSON.parse(metricsText) as MetricsJson[];
  const amounts = amountsFromJson(metricsText);
  assert.deepEqual(
    rows.map((r) => [r.event_hour, r.total_transactions, r.late_transactions]),
    expected.hours.map((h) => [h.event_hour, h.total_transactions, h.late_transactions]),
  );
  expected.hours.forEach((h, i) => {
    assert.ok(sameDecimal(amounts[i]!, h.total_amount), `${h.event_hour}: total_amount ${amounts[i]} != ${h.total_amount}`);
    assert.equal(rows[i]!.late_ratio, h.late_transactions / h.total_transactions);
  });
}

/** `txpipe status --format json` against the same computation: each valid event a row, each invalid one a dead letter, each resend a duplicate, no lag. */
export function assertStatusAccounts(statusText: string, expected: Expected): void {
  const status = JSON.parse(statusText) as { raw_transactions: number; dead_letters: number; duplicates: number; consumer: { lag: number } };
  assert.deepEqual(
    [status.raw_transactions, status.dead_letters, status.duplicates, status.consumer.lag],
    [expected.valid, expected.invalid, expected.duplicates, 0],
  );
}
