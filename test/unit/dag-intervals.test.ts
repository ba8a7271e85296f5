/** Tests internals (src/dag/data-interval.ts, the range check of src/dag/backfill.ts): the hourly data intervals of manual runs and backfills. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hourlyInterval, previousHour } from '../../src/dag/data-interval.ts';
import { BACKFILL_MAX_HOURS, BackfillRangeError, backfillHours } from '../../src/dag/backfill.ts';

test('a manual run covers the hour before now by default, one hour long', () => {
  assert.equal(previousHour(Date.parse('2026-03-01T10:59:59Z')), '2026-03-01T09:00:00.000Z');
  assert.equal(previousHour(Date.parse('2026-03-01T00:00:00Z')), '2026-02-28T23:00:00.000Z');
  assert.deepEqual(hourlyInterval('2026-12-31T23:00:00.000Z'), {
    logicalDate: '2026-12-31T23:00:00.000Z',
    dataIntervalEnd: '2027-01-01T00:00:00.000Z',
  });
});

test('a backfill starts at the hour holding --from and refuses an empty or too long range', () => {
  assert.deepEqual(backfillHours('2026-06-01T00:30:00.000Z', '2026-06-01T02:00:00.000Z'), {
    first: Date.parse('2026-06-01T00:00:00Z'),
    end: Date.parse('2026-06-01T02:00:00Z'),
  });
  // An end inside the first hour still runs that hour.
  assert.equal(backfillHours('2026-06-01T00:30:00.000Z', '2026-06-01T00:31:00.000Z').first, Date.parse('2026-06-01T00:00:00Z'));
  const problem = (from: string, to: string) => {
    try {
      backfillHours(from, to);
      return 'none';
    } catch (err) {
      assert.ok(err instanceof BackfillRangeError);
      return err.problem;
    }
  };
  assert.equal(problem('2026-06-01T00:00:00.000Z', '2026-06-01T00:00:00.000Z'), 'empty');
  assert.equal(problem('2026-06-01T02:00:00.000Z', '2026-06-01T01:00:00.000Z'), 'empty');
  const start = Date.parse('2020-01-01T00:00:00Z');
  assert.equal(problem(new Date(start).toISOString(), new Date(start + BACKFILL_MAX_HOURS * 3_600_000).toISOString()), 'none');
  assert.equal(problem(new Date(start).toISOString(), new Date(start + (BACKFILL_MAX_HOURS + 1) * 3_600_000).toISOString()), 'too-long');
});

test('an Airflow task records its run interval; a run without a logical date is recorded under the hour before its run_after', async () => {
  const { taskInterval } = await import('../../src/dag/task-interval.ts');
  // Scheduled, backfill or manual with -l: Airflow's interval as it is.
  assert.deepEqual(taskInterval({ logicalDate: '2026-03-01T04:00:00.000Z', dataIntervalEnd: '2026-03-01T05:00:00.000Z' }), {
    logicalDate: '2026-03-01T04:00:00.000Z',
    dataIntervalEnd: '2026-03-01T05:00:00.000Z',
  });
  assert.deepEqual(taskInterval({ logicalDate: '2026-03-01T04:00:00.000Z' }), {
    logicalDate: '2026-03-01T04:00:00.000Z',
    dataIntervalEnd: undefined,
  });
  // No logical date (airflow dags trigger without -l, the REST API with logical_date null): like `txpipe dag run`.
  assert.deepEqual(taskInterval({ runAfter: '2026-03-01T05:17:42.123Z' }), {
    logicalDate: '2026-03-01T04:00:00.000Z',
    dataIntervalEnd: '2026-03-01T05:00:00.000Z',
  });
  assert.deepEqual(taskInterval({}, Date.parse('2026-03-01T00:00:00Z')), {
    logicalDate: '2026-02-28T23:00:00.000Z',
    dataIntervalEnd: '2026-03-01T00:00:00.000Z',
  });
});
