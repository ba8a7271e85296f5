/**
 * Incremental transforms: a run cleans only the new rows (late arrivals included) and updates only their hours,
 * and many incremental runs end in exactly the tables a full refresh builds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cli } from '../support/cli.ts';
import { freshTarget, type Target } from '../support/target.ts';
import { generated, writeNdjson } from '../support/events.ts';
import { expectedMetrics } from '../support/expected.ts';
import { assertMatches } from '../support/assert-metrics.ts';
import { readHourlyLatency, type RecordedRun } from '../../src/index.ts';
import { latencyOfBucket } from '../../src/transform/hourly-metrics.ts';

async function snapshot(t: Target) {
  const w = await t.open();
  try {
    const clean = await w.query(
      `SELECT transaction_id::text, user_id::text, amount::text, currency, status, event_time::text, processing_time::text,
              event_date::text, event_hour::text, latency_seconds::text, is_late
       FROM transactions_clean ORDER BY transaction_id`,
    );
    const metrics = await w.query(
      `SELECT event_hour::text, total_transactions::text, total_amount::text, late_transactions::text, late_ratio
       FROM hourly_metrics ORDER BY event_hour`,
    );
    const latency = await w.query(`SELECT event_hour::text, latency_bucket, transactions::text FROM hourly_latency ORDER BY 1, 2`);
    return { clean, metrics, latency };
  } finally {
    await w.close();
  }
}

/** Each task's recorded summary in a run (`dag runs --format json`): the newest run, or the one named. */
async function summaries(t: Target, runId?: string): Promise<Record<string, RecordedRun['tasks'][number]['summary']>> {
  const runs = JSON.parse(await cli(['dag', 'runs', '--format', 'json'], t.env)) as RecordedRun[];
  const run = runId === undefined ? runs[0] : runs.find((r) => r.run_id === runId);
  assert.ok(run, `no run ${runId ?? ''} in ${runs.map((r) => r.run_id).join(', ')}`);
  return Object.fromEntries(run.tasks.map((x) => [x.task_id, x.summary]));
}

async function ingestAndRun(t: Target, lines: string[], name: string) {
  const file = join(t.env.TXPIPE_DATA_DIR!, '..', `${name}.ndjson`);
  await writeNdjson(file, lines);
  await cli(['produce', '--file', file], t.env);
  await cli(['ingest', '--until-idle'], t.env);
  const out = await cli(['dag', 'run', 'process_kafka_to_postgres'], t.env);
  return out;
}

test('incremental runs and a full refresh give identical tables', async () => {
  const t = await freshTarget();
  try {
    // Three deliveries over the same hours: each later one brings late events for the earlier hours.
    const all = generated(4500, 5, '2026-04-01T00:00:00Z', 900);
    const parts = [all.slice(0, 1500), all.slice(1500, 3000), all.slice(3000)];
    for (const [i, part] of parts.entries()) await ingestAndRun(t, part, `part${i}`);
    const incremental = await snapshot(t);
    assert.ok(incremental.clean.length > 4000);

    await cli(['dag', 'run', 'process_kafka_to_postgres', '--full-refresh'], t.env);
    const full = await snapshot(t);
    assert.deepEqual(full.clean, incremental.clean);
    assert.deepEqual(full.metrics, incremental.metrics);

    assertMatches(await cli(['metrics', 'hourly', '--format', 'json'], t.env), expectedMetrics(all, 0n));
  } finally {
    await t.cleanup();
  }
});

test('a late event updates its old hour and only that hour, cleaning only the new row', async () => {
  const t = await freshTarget();
  try {
    const first = generated(1200, 8, '2026-05-01T00:00:00Z', 300); // four hours
    await ingestAndRun(t, first, 'first');
    const before = await snapshot(t);

    const late = JSON.stringify({
      transaction_id: '11111111-2222-4333-8444-555555555555',
      user_id: '11111111-2222-4333-8444-000000000000',
      amount: '100.25',
      currency: 'GBP',
      status: 'completed',
      event_time: '2026-05-01T01:30:00Z',
      processing_time: '2026-05-01T05:00:00Z',
    });
    await ingestAndRun(t, [late], 'late');
    const run = await summaries(t);
    // The cost follows the new data: one log range, one row cleaned, no hour rebuilt; the hour's metrics
    // take the new row's delta.
    assert.deepEqual([run.run_transformations?.ranges, run.run_transformations?.rows, run.run_transformations?.hours], [1, 1, 0]);
    assert.deepEqual(run.refresh_views, { hours: 1, changed: 1 });

    const after = await snapshot(t);
    const changed = after.metrics.filter((m, i) => JSON.stringify(m) !== JSON.stringify(before.metrics[i]));
    assert.equal(changed.length, 1);
    const [hour] = changed as { event_hour: string; total_transactions: string; late_transactions: string }[];
    const old = (before.metrics as { event_hour: string; total_transactions: string; late_transactions: string }[]).find(
      (m) => m.event_hour === hour!.event_hour,
    )!;
    assert.equal(hour!.event_hour, '2026-05-01 01:00:00');
    assert.equal(Number(hour!.total_transactions), Number(old.total_transactions) + 1);
    assert.equal(Number(hour!.late_transactions), Number(old.late_transactions) + 1);
    assertMatches(await cli(['metrics', 'hourly', '--format', 'json'], t.env), expectedMetrics([...first, late], 0n));

    // Nothing new: the next run touches no hour.
    await cli(['dag', 'run', 'process_kafka_to_postgres'], t.env);
    const idle = await summaries(t);
    assert.deepEqual([idle.run_transformations?.ranges, idle.run_transformations?.hours, idle.run_transformations?.rows], [0, 0, 0]);
    assert.deepEqual(idle.refresh_views, { hours: 0, changed: 0 });
  } finally {
    await t.cleanup();
  }
});

test('a backfill recomputes its hours from the raw rows and changes nothing when they are right', async () => {
  const t = await freshTarget();
  try {
    await ingestAndRun(t, generated(600, 9, '2026-06-01T00:00:00Z', 300), 'b');
    const before = await snapshot(t);
    const w = await t.open();
    await w.query(`UPDATE hourly_metrics SET total_transactions = 0 WHERE event_hour = '2026-06-01 00:00:00'`);
    await w.close();
    const out = await cli(['dag', 'backfill', 'process_kafka_to_postgres', '--from', '2026-06-01T00:00:00Z', '--to', '2026-06-01T02:00:00Z'], t.env);
    assert.match(out, /backfill: 2 run\(s\), 0 failed/);
    assert.deepEqual(await snapshot(t), before);

    // The same through `task run` as Airflow's backfill runs call it (--recompute-interval).
    const w2 = await t.open();
    await w2.query(`UPDATE hourly_metrics SET total_transactions = 0 WHERE event_hour = '2026-06-01 01:00:00'`);
    await w2.close();
    const interval = [
      '--logical-date',
      '2026-06-01T01:00:00Z',
      '--data-interval-end',
      '2026-06-01T02:00:00Z',
      '--run-id',
      'backfill__2026-06-01T01:00:00+00:00',
    ];
    await cli(['task', 'run', 'run_transformations', ...interval, '--recompute-interval'], t.env);
    await cli(['task', 'run', 'refresh_views', ...interval], t.env);
    const airflowRun = await summaries(t, 'backfill__2026-06-01T01:00:00+00:00');
    assert.equal(airflowRun.run_transformations?.hours, 1);
    assert.deepEqual(airflowRun.refresh_views, { hours: 1, changed: 1 });
    assert.deepEqual(await snapshot(t), before);
  } finally {
    await t.cleanup();
  }
});

test('latency percentiles per hour come from bucket counts, within 10 % of the exact nearest-rank value', async () => {
  const t = await freshTarget();
  try {
    // One hour, latencies 1 s … 200 s, and a second hour with a few negative ones (a producer clock ahead).
    const event = (i: number, hour: string, latencyMs: number) => {
      const eventTime = Date.parse(`2026-07-01T${hour}:00:00Z`) + i * 1000;
      return JSON.stringify({
        transaction_id: `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`,
        user_id: '00000000-0000-4000-8000-aaaaaaaaaaaa',
        amount: '1',
        currency: 'EUR',
        status: 'ok',
        event_time: new Date(eventTime).toISOString(),
        processing_time: new Date(eventTime + latencyMs).toISOString(),
      });
    };
    const lines = [
      ...Array.from({ length: 200 }, (_, i) => event(i, '10', (i + 1) * 1000)),
      ...Array.from({ length: 10 }, (_, i) => event(1000 + i, '11', i < 3 ? -5000 : 250)),
    ];
    await ingestAndRun(t, lines, 'latency');
    const w = await t.open();
    try {
      const rows = await readHourlyLatency(w);
      assert.deepEqual(
        rows.map((r) => [r.event_hour, r.transactions]),
        [
          ['2026-07-01 10:00:00', 200],
          ['2026-07-01 11:00:00', 10],
        ],
      );
      const exact = (sorted: number[], q: number) => sorted[Math.ceil(q * sorted.length) - 1]!;
      const ten = Array.from({ length: 200 }, (_, i) => i + 1);
      for (const [q, got] of [
        [0.5, rows[0]!.p50_seconds],
        [0.95, rows[0]!.p95_seconds],
        [0.99, rows[0]!.p99_seconds],
      ] as const) {
        const want = exact(ten, q);
        assert.ok(Math.abs(got - want) / want <= 0.1, `p${q * 100}: ${got} s, exact ${want} s`);
      }
      assert.ok(Math.abs(rows[1]!.p50_seconds - 0.25) / 0.25 <= 0.1, `hour 11 p50 ${rows[1]!.p50_seconds}`);
      assert.ok(rows[1]!.p50_seconds > 0 && rows[1]!.p99_seconds > 0);
      const negative = await w.query<{ b: number }>(`SELECT min(latency_bucket) AS b FROM hourly_latency WHERE event_hour = '2026-07-01 11:00:00'`);
      assert.ok(Math.abs(latencyOfBucket(negative[0]!.b) + 5) / 5 <= 0.1, 'a negative latency keeps its sign and size');
    } finally {
      await w.close();
    }
  } finally {
    await t.cleanup();
  }
});
