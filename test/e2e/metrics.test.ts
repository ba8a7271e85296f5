/**
 * /metrics (renderMetrics): after a known ingest and DAG run, the page's values equal the records, the
 * database's counts, the lag, the run's outcome, and the freshness and late ratio computed here from
 * the messages themselves.
 */
import { test } from 'node:test';
import { readResults } from '../../src/quality/results.ts';
import assert from 'node:assert/strict';
import { freshTarget } from '../support/target.ts';
import { familyOf, parsePrometheus, sampleValue, type Exposition } from '../support/prometheus.ts';
import { HOUR_MS as HOUR, hourKey, iso, timedEvent as event } from '../support/timed-events.ts';
import { openRuntime } from '../../src/runtime.ts';
import { runIngest } from '../../src/ingest/ingest.ts';
import { runDag } from '../../src/dag/runner.ts';
import { publishLines } from '../../src/log/publish.ts';
import { silentLogger } from '../../src/observe/logger.ts';
import { observe } from '../../src/observe/observer.ts';
import { renderMetrics } from '../../src/observe/metrics.ts';
import { listAlerts } from '../../src/observe/alerts.ts';
import type { BulkResult, HourlyMetricsDoc, SearchIndex } from '../../src/search/port.ts';

/** An index that accepts everything, except that its first upsert fails (one index error). */
class FlakySearch implements SearchIndex {
  readonly kind = 'opensearch' as const;
  readonly name = 'hourly_metrics';
  readonly url = 'memory:';
  calls = 0;
  async ensure() {}
  async upsert(docs: readonly HourlyMetricsDoc[]): Promise<BulkResult> {
    if (++this.calls === 1) throw new Error('503 Service Unavailable');
    return { indexed: docs.length, failures: [] };
  }
  async remove(hours: readonly string[]): Promise<BulkResult> {
    return { indexed: hours.length, failures: [] };
  }
  async readAll() {
    return [];
  }
  async close() {}
}

function families(e: Exposition): string[] {
  return [...e.types.keys()];
}

test('/metrics after a known ingest and DAG run: counts, lag, run outcome, freshness and late ratio', async () => {
  const t = await freshTarget();
  const rt = await openRuntime(t.config, silentLogger);
  try {
    // An old hour of 150 transactions, 30 late (0.2: the late_ratio alert fires), and the newest hour:
    // 40 transactions at one instant 90 s ago, 10 late. Plus 5 messages that are not events and 3 resends.
    const newest = Date.now() - 90_000;
    const latestHour = Math.floor(newest / HOUR) * HOUR;
    const oldHour = latestHour - 2 * HOUR;
    const messages: string[] = [];
    for (let i = 0; i < 150; i++) messages.push(event(i, oldHour + 600_000 + i * 1000, i < 30));
    for (let i = 0; i < 40; i++) messages.push(event(1000 + i, newest, i < 10));
    messages.push('not json', '[]', '{}', '{"transaction_id":"x"}', 'null');
    messages.push(event(1, oldHour + 601_000, true), event(2, oldHour + 602_000, false), event(1001, newest, false));
    await publishLines(rt.log, messages);

    const observer = observe(rt);
    const hooks = observer.ingestHooks(rt.warehouse);
    let batches = 0;
    await runIngest({
      ...hooks,
      onBatch: (outcome, totals) => {
        hooks.onBatch!(outcome, totals);
        batches++;
      },
      log: rt.log,
      group: rt.config.group,
      batchSize: 50,
      untilIdle: true,
      logger: silentLogger,
    });
    const search = new FlakySearch();
    const run = await runDag({ ...rt, search, observer }, { logicalDate: iso(latestHour), runType: 'manual', retries: 1, retryDelayMs: 10 });
    assert.equal(run.state, 'success');
    // Seven more records on the topic, not ingested yet: the lag.
    await publishLines(
      rt.log,
      Array.from({ length: 7 }, (_, i) => event(5000 + i, newest, false)),
    );

    const before = Date.now();
    const page = await renderMetrics(rt);
    const after = Date.now();
    assert.match(page.contentType, /^text\/plain; version=0\.0\.4/);
    const m = parsePrometheus(page.body);

    const names = families(m);
    assert.deepEqual(
      names.filter((n) => !n.startsWith('txpipe_')),
      [],
      'every family is prefixed txpipe_',
    );
    for (const s of m.samples) assert.ok(familyOf(m, s.name), `sample ${s.name} has a TYPE line`);

    const [counts] = await rt.warehouse.query<{ raw: number; dead: number; dupes: number }>(
      'SELECT (SELECT count(*) FROM transactions)::int AS raw, (SELECT count(*) FROM dead_letters)::int AS dead, (SELECT count(*) FROM duplicate_events)::int AS dupes',
    );
    assert.deepEqual(counts, { raw: 190, dead: 5, dupes: 3 });
    assert.equal(sampleValue(m, 'txpipe_messages_consumed_total'), messages.length);
    assert.equal(sampleValue(m, 'txpipe_rows_written_total'), counts!.raw);
    assert.equal(sampleValue(m, 'txpipe_dead_letters_total'), counts!.dead);
    assert.equal(sampleValue(m, 'txpipe_duplicates_total'), counts!.dupes);
    assert.equal(sampleValue(m, 'txpipe_messages_already_applied_total'), 0);
    assert.equal(sampleValue(m, 'txpipe_ingest_batch_records_count'), batches);
    assert.equal(sampleValue(m, 'txpipe_ingest_batch_records_sum'), messages.length);
    assert.equal(sampleValue(m, 'txpipe_ingest_write_seconds_count'), batches);
    assert.ok(batches >= 4, `${batches} batches of at most 50`);
    assert.equal(sampleValue(m, 'txpipe_ingest_batch_records_bucket', { le: '+Inf' }), batches);

    // The same counts as the warehouse knows them, read at scrape time.
    assert.equal(sampleValue(m, 'txpipe_table_rows', { table: 'transactions' }), 190);
    assert.equal(sampleValue(m, 'txpipe_table_rows', { table: 'dead_letters' }), 5);
    assert.equal(sampleValue(m, 'txpipe_table_rows', { table: 'duplicate_events' }), 3);
    assert.equal(sampleValue(m, 'txpipe_table_rows', { table: 'hourly_metrics' }), 2);
    assert.equal(sampleValue(m, 'txpipe_warehouse_up'), 1);

    // Lag per partition: the embedded topic has one.
    const lag = m.samples.filter((s) => s.name === 'txpipe_consumer_lag');
    assert.deepEqual(lag, [{ name: 'txpipe_consumer_lag', labels: { partition: '0' }, value: 7 }]);

    // The run: counted by this process, and recorded in the warehouse.
    assert.equal(sampleValue(m, 'txpipe_dag_runs_total', { state: 'success' }), 1);
    assert.equal(sampleValue(m, 'txpipe_dag_runs_total', { state: 'failed' }), 0);
    assert.equal(sampleValue(m, 'txpipe_dag_run_duration_seconds_count', { state: 'success' }), 1);
    assert.ok(Math.abs(sampleValue(m, 'txpipe_dag_run_duration_seconds_sum', { state: 'success' })! - run.seconds) < 1e-9);
    for (const task of run.tasks) {
      assert.equal(sampleValue(m, 'txpipe_dag_task_duration_seconds_count', { task: task.taskId, state: task.state }), 1, task.taskId);
    }
    assert.equal(sampleValue(m, 'txpipe_documents_indexed_total'), 2);
    assert.equal(sampleValue(m, 'txpipe_index_errors_total'), 1);
    assert.equal(sampleValue(m, 'txpipe_dag_runs_recorded', { state: 'success' }), 1);
    assert.equal(m.samples.filter((s) => s.name === 'txpipe_dag_runs_recorded').length, 1);
    for (const task of run.tasks) {
      const seconds = sampleValue(m, 'txpipe_dag_last_run_task_duration_seconds', { task: task.taskId, state: task.state });
      assert.ok(seconds !== undefined && seconds >= 0, `last run's ${task.taskId}: ${seconds}`);
    }

    // The data-quality checks of that run: one status per check, as stored, and nothing held back.
    const quality = await readResults(rt.warehouse);
    assert.equal(quality.length, 15);
    for (const r of quality) {
      assert.equal(
        sampleValue(m, 'txpipe_quality_check_status', { check: r.name, severity: r.severity }),
        { pass: 0, warn: 1, fail: 2 }[r.status],
        r.name,
      );
    }
    assert.equal(sampleValue(m, 'txpipe_quality_check_status', { check: 'unique_transaction_id', severity: 'error' }), 0);
    assert.equal(sampleValue(m, 'txpipe_quality_check_observed', { check: 'unique_transaction_id' }), 0);
    assert.equal(sampleValue(m, 'txpipe_quality_indexing_held'), 0);

    // Freshness and the latest hour, from the messages: the newest event is `newest`, its hour has 40
    // transactions of which 10 late.
    const freshness = sampleValue(m, 'txpipe_freshness_seconds')!;
    assert.ok(freshness >= (before - newest) / 1000 - 1 && freshness <= (after - newest) / 1000 + 1, `freshness ${freshness}`);
    assert.equal(sampleValue(m, 'txpipe_latest_hour_late_ratio'), 10 / 40);
    assert.equal(sampleValue(m, 'txpipe_latest_hour_transactions'), 40);
    assert.equal(sampleValue(m, 'txpipe_latest_hour_timestamp_seconds'), latestHour / 1000);

    // Open alerts: the old hour's late ratio fired after the run; nothing else.
    const open = await listAlerts(rt.warehouse);
    assert.deepEqual(
      open.map((a) => [a.rule, a.key, a.value]),
      [['late_ratio', hourKey(oldHour), 0.2]],
    );
    assert.equal(sampleValue(m, 'txpipe_alerts_open', { rule: 'late_ratio' }), 1);
    assert.equal(sampleValue(m, 'txpipe_alerts_open', { rule: 'freshness' }), 0);
    assert.equal(sampleValue(m, 'txpipe_alerts_open', { rule: 'dead_letter_ratio' }), 0);
    assert.equal(sampleValue(m, 'txpipe_alerts_fired_total', { rule: 'late_ratio' }), 1);

    // Node.js process metrics come with the prefix too.
    assert.ok(names.includes('txpipe_process_resident_memory_bytes'), names.join(', '));

    // Another process on the same warehouse (say `txpipe serve`) counted nothing itself, and reports
    // what the warehouse knows the same.
    const other = parsePrometheus((await renderMetrics({ ...rt })).body);
    assert.equal(sampleValue(other, 'txpipe_messages_consumed_total'), 0);
    assert.equal(sampleValue(other, 'txpipe_dag_runs_total', { state: 'success' }), 0);
    assert.equal(sampleValue(other, 'txpipe_dag_runs_recorded', { state: 'success' }), 1);
    assert.equal(sampleValue(other, 'txpipe_consumer_lag', { partition: '0' }), 7);
    assert.equal(sampleValue(other, 'txpipe_latest_hour_late_ratio'), 10 / 40);
    assert.equal(sampleValue(other, 'txpipe_alerts_open', { rule: 'late_ratio' }), 1);
  } finally {
    await rt.close();
    await t.cleanup();
  }
});

test('/metrics of an empty pipeline reports no freshness or latest hour rather than made-up zeros', async () => {
  const t = await freshTarget();
  const rt = await openRuntime(t.config, silentLogger);
  try {
    const m = parsePrometheus((await renderMetrics(rt)).body);
    assert.equal(sampleValue(m, 'txpipe_warehouse_up'), 1);
    assert.equal(sampleValue(m, 'txpipe_freshness_seconds'), undefined);
    assert.equal(sampleValue(m, 'txpipe_latest_hour_late_ratio'), undefined);
    assert.equal(sampleValue(m, 'txpipe_table_rows', { table: 'transactions' }), 0);
    assert.equal(sampleValue(m, 'txpipe_messages_consumed_total'), 0);
  } finally {
    await rt.close();
    await t.cleanup();
  }
});

test('/metrics when the warehouse is gone: the process counters, and txpipe_warehouse_up 0', async () => {
  const t = await freshTarget();
  const rt = await openRuntime(t.config, silentLogger);
  try {
    await rt.close();
    const m = parsePrometheus((await renderMetrics(rt)).body);
    assert.equal(sampleValue(m, 'txpipe_warehouse_up'), 0);
    assert.equal(sampleValue(m, 'txpipe_messages_consumed_total'), 0);
    assert.equal(sampleValue(m, 'txpipe_table_rows', { table: 'transactions' }), undefined);
    assert.equal(sampleValue(m, 'txpipe_alerts_open', { rule: 'late_ratio' }), undefined);
  } finally {
    await t.cleanup();
  }
});
