/**
 * A program embedding txpipe, through src/index.ts alone: the events go in with `txpipe produce`, then
 * this process opens the runtime, ingests, runs the DAG, backfills, and reads metrics, history, status
 * and the reconciliation, comparing them with the independent computation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  backfillDag,
  createLogger,
  loadConfig,
  openRuntime,
  readHourlyMetrics,
  readRecentRuns,
  readStatus,
  reconcile,
  runDag,
  runIngest,
} from '../../src/index.ts';
import { cli } from '../support/cli.ts';
import { freshTarget } from '../support/target.ts';
import { generated, writeNdjson } from '../support/events.ts';
import { expectedMetrics, sameDecimal } from '../support/expected.ts';

/** `2026-09-01T03:00:00Z` as the warehouse writes it: `2026-09-01 03:00:00`. */
const warehouseHour = (rfc3339: string) => `${rfc3339.slice(0, 10)} ${rfc3339.slice(11, 19)}`;

test('an embedding program ingests, runs, backfills and reads through the public surface', async () => {
  const t = await freshTarget();
  try {
    const messages = generated(900, 12, '2026-09-01T00:00:00Z', 300);
    const file = join(t.env.TXPIPE_DATA_DIR!, '..', 'events.ndjson');
    await writeNdjson(file, messages);
    await cli(['produce', '--file', file], t.env);
    const expected = expectedMetrics(messages, 0n);

    const config = loadConfig(t.env);
    const rt = await openRuntime(config, createLogger('silent'));
    try {
      const totals = await runIngest({
        warehouse: rt.warehouse,
        log: rt.log,
        group: config.group,
        batchSize: config.batchSize,
        untilIdle: true,
        logger: rt.logger,
      });
      assert.deepEqual([totals.inserted, totals.duplicates, totals.deadLetters], [expected.valid, expected.duplicates, expected.invalid]);

      const run = await runDag(rt, { logicalDate: '2026-09-01T03:00:00.000Z', runType: 'manual', retries: 0, retryDelayMs: 0 });
      assert.equal(run.state, 'success', run.error);
      assert.equal(run.tasks[0]!.summary!.rows, expected.valid, 'every new row cleaned');
      assert.equal(run.tasks[1]!.summary!.hours, expected.hours.length, 'every hour they fall in refreshed');
      const rows = await readHourlyMetrics(rt.warehouse);
      assert.deepEqual(
        rows.map((r) => [r.event_hour, Number(r.total_transactions), Number(r.late_transactions)]),
        expected.hours.map((h) => [warehouseHour(h.event_hour), h.total_transactions, h.late_transactions]),
      );
      for (const [i, r] of rows.entries()) assert.ok(sameDecimal(r.total_amount, expected.hours[i]!.total_amount), r.event_hour);
      // Bounds in any offset: [02:00+01:00, 03:00+01:00) is the one hour 01:00 UTC.
      assert.deepEqual(await readHourlyMetrics(rt.warehouse, { from: '2026-09-01T02:00:00+01:00', to: '2026-09-01T03:00:00+01:00' }), [
        rows.find((r) => r.event_hour === '2026-09-01 01:00:00'),
      ]);

      // A backfill of every hour: one run per hour, each recomputing its one hour, the tables unchanged.
      const first = expected.hours[0]!.event_hour;
      const end = new Date(Date.parse(expected.hours.at(-1)!.event_hour) + 3_600_000).toISOString();
      const runs: string[] = [];
      const backfill = await backfillDag(rt, { from: first, to: end, retries: 0, retryDelayMs: 0, onRun: (r) => runs.push(r.runId) });
      assert.equal(backfill.failed, 0);
      assert.deepEqual(
        backfill.runs.map((r) => r.runId),
        expected.hours.map((h) => `backfill__${new Date(h.event_hour).toISOString()}`),
      );
      assert.deepEqual(
        runs,
        backfill.runs.map((r) => r.runId),
        'onRun saw every run, in order',
      );
      assert.deepEqual(
        backfill.runs.map((r) => [r.state, r.tasks.map((x) => x.summary?.hours)]),
        backfill.runs.map(() => ['success', [1, 1, 0, undefined]]), // the recomputed hours came out the same: no hour to check
      );
      assert.deepEqual(await readHourlyMetrics(rt.warehouse), rows);

      const history = await readRecentRuns(rt.warehouse, { limit: 100 });
      assert.deepEqual(
        history.map((r) => r.run_id),
        [...backfill.runs.map((r) => r.runId).reverse(), run.runId],
      );
      const recorded = history.at(-1)!.tasks;
      assert.deepEqual(
        recorded.map((x) => [x.task_id, x.state]),
        [
          ['run_transformations', 'success'],
          ['refresh_views', 'success'],
          ['check_data_quality', 'success'],
          ['index_hourly_metrics_to_elasticsearch', 'skipped'],
        ],
      );
      assert.deepEqual([recorded[0]!.summary?.rows, recorded[1]!.summary?.hours], [expected.valid, expected.hours.length]);

      const status = await readStatus(rt);
      assert.deepEqual(
        [status.raw_transactions, status.hourly_metrics, status.consumer.lag, status.last_dag_run?.run_id],
        [expected.valid, expected.hours.length, 0, backfill.runs.at(-1)!.runId],
      );
      const r = await reconcile(rt);
      assert.deepEqual([r.consumed, r.balanced], [messages.length, true]);
    } finally {
      await rt.close();
    }
  } finally {
    await t.cleanup();
  }
});
