/**
 * Two `txpipe run` processes in one consumer group and the hourly DAG at the same moment, on Kafka,
 * PostgreSQL and OpenSearch: their steps never lose or double an update of an hour (the metrics equal
 * the independent computation, the documents equal the metrics), and a full refresh afterwards changes
 * nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cli, runCli, spawnCli } from '../support/cli.ts';
import { freshTarget, testName } from '../support/target.ts';
import { generated, writeNdjson } from '../support/events.ts';
import { expectedMetrics } from '../support/expected.ts';
import { assertMatches, type MetricsJson } from '../support/assert-metrics.ts';
import { connectWarehouse } from '../../src/runtime.ts';

test('two run processes and DAG runs at the same time give exactly the independent metrics, in PostgreSQL and in the index', async () => {
  const kafka = process.env.KAFKA_BROKERS;
  const opensearch = process.env.OPENSEARCH_URL;
  assert.ok(kafka && opensearch, 'KAFKA_BROKERS and OPENSEARCH_URL must be set: eval "$(npm run -s services:up)"');
  const index = testName('txpipe_idx');
  const t = await freshTarget(
    {
      KAFKA_BROKERS: kafka,
      OPENSEARCH_URL: opensearch,
      TXPIPE_INDEX: index,
      TXPIPE_TOPIC: testName('txpipe_topic'),
      TXPIPE_CONSUMER_GROUP: testName('g'),
      TXPIPE_TOPIC_PARTITIONS: '4',
      TXPIPE_BATCH_SIZE: '500',
      KAFKA_SESSION_TIMEOUT_MS: '6000',
    },
    'postgres',
  );
  const runs = [0, 1].map(() => spawnCli(['run'], t.env));
  const logs = ['', ''];
  for (const [i, c] of runs.entries()) c.stderr.on('data', (d: Buffer) => (logs[i] += d.toString()));
  const exited = runs.map((c) => new Promise<number | null>((resolve) => c.on('close', resolve)));
  let dagRuns = 0;
  let stopDag = false;
  try {
    await cli(['migrate'], t.env);
    const waves = [0, 1, 2, 3].map((w) => generated(1500, 40 + w, `2026-09-0${1 + (w % 2)}T0${w}:00:00Z`, 900));
    // The hourly DAG, over and over, while the run processes work: all three contend for the same hours.
    const dag = (async () => {
      while (!stopDag) {
        const r = await runCli(['dag', 'run', 'process_kafka_to_postgres', '--logical-date', `2026-09-01T0${dagRuns % 10}:00:00Z`], t.env);
        assert.equal(r.code, 0, r.stderr);
        dagRuns++;
      }
    })();
    for (const [w, lines] of waves.entries()) {
      const file = join(t.env.TXPIPE_DATA_DIR!, '..', `wave${w}.ndjson`);
      await writeNdjson(file, lines);
      await cli(['produce', '--file', file], t.env);
      await sleep(500);
    }
    const all = waves.flat();
    const expected = expectedMetrics(all, 0n);
    for (let i = 0; ; i++) {
      try {
        assertMatches(await cli(['metrics', 'hourly', '--format', 'json'], t.env), expected);
        break;
      } catch (error) {
        if (i >= 400) throw new Error(`the run processes did not catch up: ${(error as Error).message}\n${logs.join('\n---\n')}`);
        await sleep(250);
      }
    }
    stopDag = true;
    await dag;
    for (const c of runs) c.kill('SIGTERM');
    assert.deepEqual(await Promise.all(exited), [0, 0], logs.join('\n---\n'));

    const w = await connectWarehouse(t.config);
    try {
      const steps = await w.query<{ steps: string }>('SELECT steps::text FROM continuous_runs ORDER BY process_id');
      assert.equal(steps.length, 2);
      assert.ok(
        steps.every((s) => Number(s.steps) > 0),
        'both processes stepped',
      );
    } finally {
      await w.close();
    }
    assert.ok(dagRuns >= 2, `the DAG ran meanwhile (${dagRuns} runs)`);

    // The documents equal hourly_metrics (reconcile's documents check), and so does a full refresh.
    const r = await runCli(['reconcile', '--format', 'json'], t.env);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const before = JSON.parse(await cli(['metrics', 'hourly', '--format', 'json'], t.env)) as MetricsJson[];
    await cli(['dag', 'run', 'process_kafka_to_postgres', '--full-refresh'], t.env);
    assert.deepEqual(JSON.parse(await cli(['metrics', 'hourly', '--format', 'json'], t.env)), before);
  } finally {
    stopDag = true;
    for (const c of runs) if (c.exitCode === null) c.kill('SIGKILL');
    await fetch(`${opensearch}/${index}-*`, { method: 'DELETE' }).catch(() => {});
    await t.cleanup();
  }
});
