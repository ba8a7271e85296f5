/** How data-quality results are printed: escaped details, the JSON's five fields, the runs table's quality cell. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatQualityTable, qualityJson } from '../../src/cli/quality.ts';
import { qualityCell } from '../../src/cli/format-runs.ts';
import type { StoredResult } from '../../src/quality/results.ts';
import type { RecordedRun, RecordedTask } from '../../src/dag/run-history.ts';

const result = (o: Partial<StoredResult>): StoredResult => ({
  run_id: 'r1',
  name: 'accepted_values_status',
  severity: 'error',
  status: 'fail',
  observed: 3,
  threshold: '0 rows outside completed,pending',
  detail: null,
  hours: 2,
  checked_at: '2026-03-01T10:00:00.000Z',
  ...o,
});

test('a detail from the data is printed with escapes, never as terminal control', () => {
  const text = formatQualityTable([result({ detail: 'e.g. "\u001b[2Jok\r\u202e"' })]);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  assert.ok(!/[\u0000-\u001f\u202e]/.test(text.replaceAll('\n', '')), JSON.stringify(text));
  assert.match(text, /e\.g\. "\\u001b\[2Jok\\r\\u202e"/);
  assert.match(text, /^run r1 at 2026-03-01T10:00:00.000Z, 2 hour\(s\) checked$/m);
});

test('the JSON has exactly name, severity, status, observed and threshold', () => {
  assert.deepEqual(qualityJson([result({ detail: 'x' })]), [
    { name: 'accepted_values_status', severity: 'error', status: 'fail', observed: 3, threshold: '0 rows outside completed,pending' },
  ]);
});

test('the runs table says pass, warn (n), fail: names, or - when the checks did not run', () => {
  const task = (o: Partial<RecordedTask>): RecordedTask => ({
    task_id: 'check_data_quality',
    state: 'success',
    try_number: 1,
    started_at: '',
    ended_at: '',
    duration_seconds: 0,
    error: null,
    summary: { hours: 1, checks: 15, passed: 15, warned: 0, failed: 0 },
    ...o,
  });
  const run = (tasks: RecordedTask[]) => ({ tasks }) as RecordedRun;
  assert.equal(qualityCell(run([task({})])), 'pass');
  assert.equal(qualityCell(run([task({ summary: { warned: 2 } })])), 'warn (2)');
  assert.equal(
    qualityCell(
      run([
        task({
          state: 'failed',
          summary: null,
          error:
            '2 error check(s) failed on 1 hour(s), indexing held back: amount_range (observed 1; 0 rows outside [0, 5]), not_null_status (observed 2; 0 null rows)',
        }),
      ]),
    ),
    'fail: amount_range,not_null_status',
  );
  assert.equal(qualityCell(run([task({ state: 'failed', summary: null, error: 'connection reset' })])), 'error');
  assert.equal(qualityCell(run([task({ task_id: 'refresh_views' })])), '-');
});
