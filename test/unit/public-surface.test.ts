/**
 * The public surface: `import … from 'txpipe'` (package.json `exports`, resolved here by the package's
 * own name) gives exactly the names src/index.ts lists, each a working function, class or value.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as txpipe from 'txpipe';

test("'txpipe' exports exactly the public names, and nothing from inside", () => {
  assert.deepEqual(Object.keys(txpipe).sort(), [
    'BACKFILL_MAX_HOURS',
    'BackfillRangeError',
    'ConfigError',
    'DAG_ID',
    'DEFAULT_SCHEDULE',
    'DataDirInUseError',
    'IndexingError',
    'MigrationError',
    'QualityCheckError',
    'TASKS',
    'backfillDag',
    'checkDataQuality',
    'collectRecords',
    'createLogger',
    'defaultStart',
    'formatReconciliation',
    'generateEvents',
    'indexHourlyMetrics',
    'keyedRecord',
    'loadConfig',
    'openRuntime',
    'publishLines',
    'readHourlyLatency',
    'readHourlyMetrics',
    'readRecentRuns',
    'readStatus',
    'reconcile',
    'reconcileAll',
    'refreshViews',
    'runDag',
    'runIngest',
    'runTask',
    'runTransformations',
    'scheduleDag',
    'transactionKey',
    'validateEvent',
  ]);
  assert.deepEqual(
    txpipe.TASKS.map((t) => [t.id, t.fn]),
    [
      ['run_transformations', txpipe.runTransformations],
      ['refresh_views', txpipe.refreshViews],
      ['check_data_quality', txpipe.checkDataQuality],
      ['index_hourly_metrics_to_elasticsearch', txpipe.indexHourlyMetrics],
    ],
  );
});

test('the public functions work without reaching inside: config, generator, validator', () => {
  const config: txpipe.Config = txpipe.loadConfig({});
  assert.equal(config.schedule, txpipe.DEFAULT_SCHEDULE);
  assert.throws(() => txpipe.loadConfig({ TXPIPE_BATCH_SIZE: '0' }), txpipe.ConfigError);
  const [line] = txpipe.generateEvents({
    count: 1,
    seed: 1,
    start: Date.parse('2026-03-01T00:00:00Z'),
    eventsPerHour: 3600,
    lateRatio: 0,
    duplicateRatio: 0,
    invalidRatio: 0,
  });
  const v: txpipe.Validation = txpipe.validateEvent(line!, Date.parse('2026-03-01T00:00:01Z'));
  assert.ok(v.ok);
  assert.equal(v.row.event_time.slice(0, 13), '2026-03-01 00');
});
