/**
 * The data-quality checks: each on data that passes it and data that fails it, severities, and a failed
 * `error` check holding back indexing (documents keep their last good values) until the checks pass.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshTarget, type Target } from '../support/target.ts';
import { cli, runCli } from '../support/cli.ts';
import { runChecks, type CheckResult } from '../../src/quality/checks.ts';
import { DEFAULT_QUALITY, parseSeverities, type CheckName, type QualitySettings } from '../../src/quality/settings.ts';
import { readHold, readResults } from '../../src/quality/results.ts';
import { robustZ } from '../../src/quality/robust-z.ts';
import { runDag } from '../../src/dag/runner.ts';
import { ContinuousSteps } from '../../src/run/continuous-steps.ts';
import { renderMetrics } from '../../src/observe/metrics.ts';
import { parsePrometheus, sampleValue } from '../support/prometheus.ts';
import { indexHourlyMetrics } from '../../src/transform/index-hourly-metrics.ts';
import { EmbeddedEventLog } from '../../src/log/embedded/embedded-log.ts';
import { publishLines } from '../../src/log/publish.ts';
import { runIngest } from '../../src/ingest/ingest.ts';
import { silentLogger } from '../../src/observe/logger.ts';
import { MemorySearch } from '../support/memory-search.ts';
import type { Warehouse } from '../../src/warehouse/port.ts';

const id = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const user = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';

interface Row {
  n: number;
  amount?: string;
  currency?: string;
  status?: string;
  /** event_time, UTC without zone. */
  at?: string;
  /** processing_time − event_time, seconds. */
  latency?: number;
}

/** Rows straight into transactions_clean (the checks' input), the way run_transformations derives them. */
async function insertClean(w: Warehouse, rows: Row[]): Promise<void> {
  for (const r of rows) {
    await w.query(
      `INSERT INTO transactions_clean (transaction_id, user_id, amount, currency, status, event_time, processing_time, event_date, event_hour, latency_seconds, is_late)
       SELECT $1::uuid, $2::uuid, $3::numeric, $4, $5, e, p, e::date, date_trunc('hour', e), extract(epoch FROM p - e), extract(epoch FROM p - e) > 120
       FROM (SELECT $6::timestamp AS e, $6::timestamp + make_interval(secs => $7::float8) AS p) AS t`,
      [id(r.n), user, r.amount ?? '10.00', r.currency ?? 'EUR', r.status ?? 'completed', r.at ?? '2026-03-01 10:15:00', r.latency ?? 5],
    );
  }
}

/** Dead letters at offsets [from, to) of topic t, received now (the dead-letter rate counts them). */
async function insertDeadLetters(w: Warehouse, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i++) {
    await w.query(
      `INSERT INTO dead_letters (topic, partition, "offset", payload, payload_size, payload_sha256, reason) VALUES ('t', 0, $1, '\\x78', 1, sha256('\\x78'), 'not json')`,
      [i],
    );
  }
}

const HOUR = '2026-03-01 10:00:00';

async function check(w: Warehouse, s: QualitySettings = DEFAULT_QUALITY, hours = [HOUR]): Promise<Map<CheckName, CheckResult>> {
  return new Map((await runChecks(w, s, { hours })).map((r) => [r.name, r]));
}

async function withWarehouse(fn: (w: Warehouse, t: Target) => Promise<void>): Promise<void> {
  const t = await freshTarget();
  const w = await t.open();
  try {
    await fn(w, t);
  } finally {
    await w.close();
    await t.cleanup();
  }
}

test('row checks pass on good rows and fail, with what they saw, on bad ones (status after severity)', async () => {
  await withWarehouse(async (w) => {
    await insertClean(w, [{ n: 1 }, { n: 2, amount: '499.99', currency: 'JPY', status: 'refunded', latency: 7000 }]);
    const good = await check(w);
    for (const name of [
      'not_null_amount',
      'unique_transaction_id',
      'accepted_values_status',
      'accepted_values_currency',
      'amount_range',
      'latency_range',
    ] as CheckName[]) {
      assert.equal(good.get(name)!.status, 'pass', name);
      assert.equal(good.get(name)!.observed, 0, name);
    }
    // Bad values in the checked hour, and one in an unchecked hour that must not count.
    await insertClean(w, [
      { n: 3, status: 'ok', currency: 'CHF', amount: '2000000', latency: -30 },
      { n: 4, status: 'ok', latency: 90_000 },
      { n: 5, currency: 'XXX', at: '2026-03-01 12:00:00' },
    ]);
    const s = { ...DEFAULT_QUALITY, severity: parseSeverities('accepted_values_status=error') };
    const bad = await check(w, s);
    assert.deepEqual(
      [...bad.values()]
        .filter((r) => r.status !== 'pass' && r.name !== 'freshness' && r.name !== 'hourly_volume')
        .map((r) => [r.name, r.severity, r.status, r.observed]),
      [
        ['accepted_values_status', 'error', 'fail', 2],
        ['accepted_values_currency', 'warn', 'warn', 1],
        ['amount_range', 'warn', 'warn', 1],
        ['latency_range', 'warn', 'warn', 2],
      ],
    );
    assert.equal(bad.get('accepted_values_status')!.detail, 'e.g. "ok"');
    assert.equal(bad.get('accepted_values_currency')!.detail, 'e.g. "CHF"');
    assert.match(bad.get('latency_range')!.detail!, /1 negative \(clock skew/);
    // Configured lists and ranges move the verdicts.
    const wide = await check(w, {
      ...DEFAULT_QUALITY,
      acceptedStatuses: ['completed', 'refunded', 'ok'],
      acceptedCurrencies: ['EUR', 'JPY', 'CHF'],
      amountMax: 5_000_000,
      latencyMinSeconds: -60,
      latencyMaxSeconds: 100_000,
    });
    for (const name of ['accepted_values_status', 'accepted_values_currency', 'amount_range', 'latency_range'] as CheckName[]) {
      assert.equal(wide.get(name)!.status, 'pass', name);
    }
    // The unchecked hour's XXX counts once its hour is checked.
    assert.equal((await check(w, DEFAULT_QUALITY, ['2026-03-01 12:00:00'])).get('accepted_values_currency')!.observed, 1);
  });
});

test('not_null and unique_transaction_id catch what the schema forbids once the constraint is gone', async () => {
  await withWarehouse(async (w) => {
    await insertClean(w, [{ n: 1 }, { n: 2 }]);
    assert.equal((await check(w)).get('not_null_user_id')!.status, 'pass');
    await w.exec(
      'ALTER TABLE transactions_clean ALTER COLUMN user_id DROP NOT NULL, ALTER COLUMN status DROP NOT NULL, DROP CONSTRAINT transactions_clean_pkey',
    );
    await w.query(`UPDATE transactions_clean SET user_id = NULL, status = NULL WHERE transaction_id = $1`, [id(2)]);
    await insertClean(w, [{ n: 1, at: '2026-03-01 13:00:00' }]); // the same id in another hour
    const r = await check(w);
    assert.deepEqual(
      ['not_null_transaction_id', 'not_null_user_id', 'not_null_status', 'unique_transaction_id', 'accepted_values_status'].map((n) => [
        n,
        r.get(n as CheckName)!.status,
        r.get(n as CheckName)!.observed,
      ]),
      [
        ['not_null_transaction_id', 'pass', 0],
        ['not_null_user_id', 'fail', 1],
        ['not_null_status', 'fail', 1],
        ['unique_transaction_id', 'fail', 1],
        ['accepted_values_status', 'pass', 0],
      ],
    );
  });
});

test('freshness and dead_letter_rate: pass within their thresholds, fail past them', async () => {
  await withWarehouse(async (w) => {
    assert.equal((await check(w)).get('freshness')!.status, 'warn', 'no transactions at all is not fresh');
    const recent = new Date(Date.now() - 600_000).toISOString().replace('T', ' ').replace('Z', '');
    await insertClean(w, [{ n: 1, at: recent }]);
    const fresh = (await check(w)).get('freshness')!;
    assert.equal(fresh.status, 'pass');
    assert.ok(fresh.observed! >= 599 && fresh.observed! < 700, `age ${fresh.observed}`);
    const stale = (await check(w, { ...DEFAULT_QUALITY, freshnessSeconds: 60, severity: parseSeverities('freshness=error') })).get('freshness')!;
    assert.deepEqual([stale.status, stale.severity], ['fail', 'error']);

    // 96 clean rows in the hour and 4 dead letters: 4 %, judged (100 records), under 5 %.
    await insertClean(
      w,
      Array.from({ length: 95 }, (_, i) => ({ n: 100 + i })),
    );
    await insertDeadLetters(w, 0, 4);
    const ok = (await check(w)).get('dead_letter_rate')!;
    assert.deepEqual([ok.status, ok.observed], ['pass', 4 / 99]);
    await insertDeadLetters(w, 4, 10);
    const high = (await check(w)).get('dead_letter_rate')!;
    assert.deepEqual([high.status, high.observed], ['warn', 10 / 105]);
    // Too few records to judge: never fails.
    const few = (await check(w, { ...DEFAULT_QUALITY, deadLetterMinRecords: 1000 })).get('dead_letter_rate')!;
    assert.equal(few.status, 'pass');
  });
});

test('robust z-score: median and MAD, floored for a flat history', () => {
  assert.deepEqual(robustZ(130, [100, 110, 90, 100, 105]), { z: 30 / (1.4826 * 5), median: 100, scale: 1.4826 * 5 });
  // Flat history: MAD 0, scale 5 % of the median.
  assert.equal(robustZ(110, [100, 100, 100]).z, 2);
  assert.equal(robustZ(0, [0, 0, 0]).z, 0);
});

test('hourly_volume: the same hour of the previous days judges an hour, once there is enough history', async () => {
  await withWarehouse(async (w) => {
    const metrics = async (hour: string, n: number) =>
      w.query(`INSERT INTO hourly_metrics VALUES ($1::timestamp, $2, 0, 0, 0) ON CONFLICT (event_hour) DO UPDATE SET total_transactions = $2`, [
        hour,
        n,
      ]);
    // The newest hour of transactions_clean is still filling: put it later than the hour checked.
    await insertClean(w, [{ n: 1, at: '2026-03-08 23:00:00' }]);
    const hour = '2026-03-08 10:00:00';
    await metrics(hour, 100);
    await metrics('2026-03-07 10:00:00', 100);
    await metrics('2026-03-06 10:00:00', 104);
    const short = (await check(w, DEFAULT_QUALITY, [hour])).get('hourly_volume')!;
    assert.deepEqual([short.status, short.observed, short.detail], ['pass', null, 'not enough history yet']);
    await metrics('2026-03-05 10:00:00', 96);
    await metrics('2026-03-04 09:00:00', 5000); // another hour of the day: not history
    const normal = (await check(w, DEFAULT_QUALITY, [hour])).get('hourly_volume')!;
    assert.equal(normal.status, 'pass');
    assert.equal(normal.observed, Math.round(robustZ(100, [96, 104, 100]).z * 100) / 100);
    await metrics(hour, 400);
    const spike = (await check(w, DEFAULT_QUALITY, [hour])).get('hourly_volume')!;
    const z = robustZ(400, [96, 104, 100]).z;
    assert.ok(z > 3.5);
    assert.deepEqual([spike.status, spike.observed], ['warn', Math.round(z * 100) / 100]);
    assert.equal(spike.detail, `hour ${hour}: 400 transactions, median 100`);
    await metrics(hour, 10);
    assert.equal(
      (await check(w, { ...DEFAULT_QUALITY, severity: parseSeverities('hourly_volume=error') }, [hour])).get('hourly_volume')!.status,
      'fail',
    );
    // The newest hour is never judged.
    await metrics('2026-03-08 23:00:00', 1);
    for (const d of [5, 6, 7]) await metrics(`2026-03-0${d} 23:00:00`, 100);
    assert.equal((await check(w, DEFAULT_QUALITY, ['2026-03-08 23:00:00'])).get('hourly_volume')!.observed, null);
  });
});

const event = (n: number, o: { amount?: string; hour?: string } = {}) =>
  JSON.stringify({
    transaction_id: id(n),
    user_id: user,
    amount: o.amount ?? '10.00',
    currency: 'EUR',
    status: 'completed',
    event_time: `2026-03-01T${o.hour ?? '10'}:15:00Z`,
    processing_time: `2026-03-01T${o.hour ?? '10'}:15:05Z`,
  });

test('a failed error check holds indexing back until the checks pass; warn failures do not', async () => {
  const t = await freshTarget();
  const w = await t.open();
  let open = true;
  try {
    const log = new EmbeddedEventLog(w, 'transactions');
    const ingest = async (lines: string[]) => {
      await publishLines(log, lines);
      await runIngest({ warehouse: w, log, group: 'g', batchSize: 100, untilIdle: true, logger: silentLogger });
    };
    const search = new MemorySearch();
    const policy = { retries: 2, retryDelayMs: 10 };
    const strict = { quality: { ...DEFAULT_QUALITY, severity: parseSeverities('amount_range=error') } };
    const run = (runId: string, config = strict) =>
      runDag({ warehouse: w, search, logger: silentLogger, config }, { logicalDate: '2026-03-01T10:00:00Z', runType: 'manual', runId, ...policy });

    await ingest([event(1), event(2)]);
    const first = await run('r1');
    assert.equal(first.state, 'success');
    assert.deepEqual(
      first.tasks.map((x) => [x.taskId, x.state]),
      [
        ['run_transformations', 'success'],
        ['refresh_views', 'success'],
        ['check_data_quality', 'success'],
        ['index_hourly_metrics_to_elasticsearch', 'success'],
      ],
    );
    assert.deepEqual(first.tasks[2]!.summary, { hours: 1, checks: 15, passed: 14, warned: 1, failed: 0 }); // freshness: the events are months old
    assert.equal(search.docs.get('2026-03-01T10:00:00Z')!.total_transactions, 2);

    // An amount out of range in 10:00 and a good row in 11:00.
    await ingest([event(3, { amount: '5000000' }), event(4, { hour: '11' })]);
    const held = await run('r2');
    assert.equal(held.state, 'failed');
    const quality = held.tasks.find((x) => x.taskId === 'check_data_quality')!;
    assert.deepEqual([quality.state, quality.tries], ['failed', 1], 'a failed check is not retried');
    assert.match(
      quality.error!,
      /^1 error check\(s\) failed on 2 hour\(s\), indexing held back: amount_range \(observed 1; 0 rows outside \[0, 1000000\]\)$/,
    );
    assert.equal(held.tasks.at(-1)!.state, 'upstream_failed');
    // Documents keep their last good values; the new hour is not published either.
    assert.equal(search.docs.get('2026-03-01T10:00:00Z')!.total_transactions, 2);
    assert.equal(search.docs.has('2026-03-01T11:00:00Z'), false);
    assert.deepEqual(await readHold(w), { runId: 'r2', failed: ['amount_range'] });
    // /metrics: the failed check as 2, the hold as 1.
    const page = parsePrometheus(
      (await renderMetrics({ config: t.config, warehouse: w, log, search, logger: silentLogger, close: async () => {} })).body,
    );
    assert.equal(sampleValue(page, 'txpipe_quality_check_status', { check: 'amount_range', severity: 'error' }), 2);
    assert.equal(sampleValue(page, 'txpipe_quality_check_status', { check: 'freshness', severity: 'warn' }), 1);
    assert.equal(sampleValue(page, 'txpipe_quality_check_status', { check: 'unique_transaction_id', severity: 'error' }), 0);
    assert.equal(sampleValue(page, 'txpipe_quality_check_observed', { check: 'amount_range' }), 1);
    assert.equal(sampleValue(page, 'txpipe_quality_indexing_held'), 1);
    // The index task on its own (an Airflow task cleared by hand, txpipe run's steps) holds back too.
    const alone = await indexHourlyMetrics({ warehouse: w, search, logger: silentLogger, fullRefresh: false, logicalDate: '2026-03-01T10:00:00Z' });
    assert.match(String(alone.skipped), /^held back: data-quality check\(s\) amount_range failed in run r2/);
    assert.equal(search.docs.has('2026-03-01T11:00:00Z'), false);
    // txpipe run's steps keep hourly_metrics current but send nothing while the hold lasts.
    await ingest([event(5, { hour: '11' })]);
    let stepped!: () => void;
    const firstStep = new Promise<void>((resolve) => {
      stepped = resolve;
    });
    const steps = new ContinuousSteps({ warehouse: w, search, group: 'g', logger: silentLogger, onStep: () => stepped() });
    const looping = steps.loop();
    await firstStep;
    steps.stop();
    await looping;
    assert.equal(steps.totals.rowsCleaned, 1);
    assert.equal(steps.totals.documentsIndexed, 0);
    assert.equal(steps.totals.errors, 0);
    const [eleven] = await w.query<{ n: string }>(
      `SELECT total_transactions::text AS n FROM hourly_metrics WHERE event_hour = '2026-03-01 11:00:00'`,
    );
    assert.equal(eleven?.n, '2');
    assert.equal(search.docs.has('2026-03-01T11:00:00Z'), false);

    // The next run checks the held hours again (nothing new came): still failing.
    const again = await run('r3');
    assert.equal(again.state, 'failed');
    assert.deepEqual((await readResults(w, 'r3')).find((r) => r.name === 'amount_range')!.hours, 2);

    // Stored per run and check; `txpipe quality` prints the latest, or a given run's.
    const stored = await readResults(w);
    assert.equal(stored.length, 15);
    assert.ok(stored.every((r) => r.run_id === 'r3'));
    await w.close();
    open = false;
    const json = JSON.parse(await cli(['quality', '--format', 'json'], t.env)) as Record<string, unknown>[];
    assert.deepEqual(Object.keys(json[0]!), ['name', 'severity', 'status', 'observed', 'threshold']);
    assert.deepEqual(
      json.find((r) => r.name === 'amount_range'),
      { name: 'amount_range', severity: 'error', status: 'fail', observed: 1, threshold: '0 rows outside [0, 1000000]' },
      'the CLI prints what the run stored, whatever its own settings',
    );
    const r1 = JSON.parse(await cli(['quality', '--run', 'r1', '--format', 'json'], t.env)) as { name: string; status: string }[];
    assert.equal(r1.find((r) => r.name === 'amount_range')!.status, 'pass');
    const table = await cli(['quality'], t.env);
    assert.match(table, /amount_range\s+error\s+fail\s+1\s/);
    // The outcome per run in `dag runs`, the summary in `status`.
    const runs = await cli(['dag', 'runs'], t.env);
    assert.match(runs, /^r3\s+failed\s+\S+\s+[\d.]+\s+fail: amount_range\s/m);
    assert.match(runs, /^r2\s+failed\s+\S+\s+[\d.]+\s+fail: amount_range\s/m);
    assert.match(runs, /^r1\s+success\s+\S+\s+[\d.]+\s+warn \(1\)\s/m);
    const status = JSON.parse(await cli(['status', '--format', 'json'], t.env)) as { quality: Record<string, unknown> };
    assert.deepEqual(
      { ...status.quality, checked_at: undefined },
      {
        run_id: 'r3',
        checked_at: undefined,
        hours: 2,
        pass: 13,
        warn: 1,
        fail: 1,
        failing: [
          { name: 'amount_range', status: 'fail' },
          { name: 'freshness', status: 'warn' },
        ],
        indexing_held: true,
      },
    );
    assert.match(
      await cli(['status'], t.env),
      /^data quality +run r3: 13 passed, 1 warned, 1 failed on 2 hour\(s\): amount_range \(fail\), freshness \(warn\); indexing held back$/m,
    );
    const missing = await runCli(['quality', '--run', 'nope'], t.env);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no data-quality results for run nope/);
  } finally {
    if (open) await w.close();
  }
  // Reopened: with amount_range a warning again, the run passes, the hold lifts, and both hours are published.
  const w2 = await t.open();
  try {
    const search = new MemorySearch();
    const result = await runDag(
      { warehouse: w2, search, logger: silentLogger, config: { quality: DEFAULT_QUALITY } },
      { logicalDate: '2026-03-01T11:00:00Z', runType: 'manual', runId: 'r4', retries: 0, retryDelayMs: 0 },
    );
    assert.equal(result.state, 'success');
    assert.equal(await readHold(w2), undefined);
    const amount = (await readResults(w2)).find((r) => r.name === 'amount_range')!;
    assert.deepEqual([amount.run_id, amount.status, amount.hours], ['r4', 'warn', 2]);
    assert.equal(search.docs.get('2026-03-01T10:00:00Z')!.total_transactions, 3);
    assert.equal(search.docs.get('2026-03-01T11:00:00Z')!.total_transactions, 2);
    const pending = await w2.query<{ n: string }>('SELECT count(*)::text AS n FROM quality_pending_hours');
    assert.equal(pending[0]?.n, '0', 'hours that passed leave the queue');
    // Nothing changed: the next run checks no hour; --full-refresh checks every hour.
    const idle = await runDag(
      { warehouse: w2, search, logger: silentLogger },
      { logicalDate: '2026-03-01T12:00:00Z', runType: 'manual', runId: 'r5', retries: 0, retryDelayMs: 0 },
    );
    assert.equal(idle.tasks.find((x) => x.taskId === 'check_data_quality')!.summary!.hours, 0);
    const full = await runDag(
      { warehouse: w2, search, logger: silentLogger },
      { logicalDate: '2026-03-01T13:00:00Z', runType: 'manual', runId: 'r6', fullRefresh: true, retries: 0, retryDelayMs: 0 },
    );
    assert.equal(full.state, 'success');
    assert.deepEqual(
      (await readResults(w2, 'r6')).filter((r) => r.status !== 'pass').map((r) => [r.name, r.hours, r.observed]),
      [
        ['amount_range', 2, 1],
        ['freshness', 2, (await readResults(w2, 'r6')).find((r) => r.name === 'freshness')!.observed],
      ],
    );
  } finally {
    await w2.close();
    await t.cleanup();
  }
});
