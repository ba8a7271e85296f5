/**
 * `txpipe run` on both warehouses: it follows the topic and keeps transactions_clean and hourly_metrics
 * up to date by itself (no DAG run), SIGTERM ends it with exit 0, and what it built equals the
 * independent computation and what a full refresh of the DAG builds from the same raw rows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cli, spawnCli } from '../support/cli.ts';
import { freshTarget, type Target } from '../support/target.ts';
import { generated, writeNdjson } from '../support/events.ts';
import { expectedMetrics } from '../support/expected.ts';
import { assertMatches } from '../support/assert-metrics.ts';

async function tables(t: Target) {
  const w = await t.open();
  try {
    return {
      clean: await w.query(
        `SELECT transaction_id::text, amount::text, event_hour::text, latency_seconds::text, is_late FROM transactions_clean ORDER BY 1`,
      ),
      metrics: await w.query(
        `SELECT event_hour::text, total_transactions::text, total_amount::text, late_transactions::text, late_ratio FROM hourly_metrics ORDER BY 1`,
      ),
      latency: await w.query(`SELECT event_hour::text, latency_bucket, transactions::text FROM hourly_latency ORDER BY 1, 2`),
      runs: Number((await w.query<{ n: string }>('SELECT count(*)::text AS n FROM dag_runs'))[0]!.n),
      steps: await w.query<{ steps: string; rows_cleaned: string; stopped: boolean }>(
        'SELECT steps::text, rows_cleaned::text, stopped_at IS NOT NULL AS stopped FROM continuous_runs',
      ),
    };
  } finally {
    await w.close();
  }
}

test('txpipe run keeps hourly_metrics up to date by itself, and equals a full refresh of the DAG', async () => {
  const t = await freshTarget({ TXPIPE_LOG_LEVEL: 'info' });
  try {
    await cli(['migrate'], t.env);
    const first = generated(1500, 21, '2026-08-01T00:00:00Z', 500);
    const second = generated(900, 22, '2026-08-01T01:30:00Z', 600); // late and new hours, resends of nothing in `first`
    const file = (name: string) => join(t.env.TXPIPE_DATA_DIR!, '..', `${name}.ndjson`);
    await writeNdjson(file('first'), first);
    await writeNdjson(file('second'), second);
    await cli(['produce', '--file', file('first')], t.env);

    if (t.kind === 'postgres') {
      // On PostgreSQL other processes can watch it work: the metrics catch up with no DAG run.
      const child = spawnCli(['run', '--port', '0'], t.env);
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      const caughtUp = async (lines: string[]) => {
        for (let i = 0; i < 300; i++) {
          try {
            assertMatches(await cli(['metrics', 'hourly', '--format', 'json'], t.env), expectedMetrics(lines, 0n));
            return;
          } catch (error) {
            if (i === 299) throw new Error(`run did not catch up: ${(error as Error).message}\n${stderr}`);
          }
          await sleep(200);
        }
      };
      await caughtUp(first);
      await cli(['produce', '--file', file('second')], t.env);
      await caughtUp([...first, ...second]);
      // Its own /metrics (run --port): what it consumed and the continuous steps it ran.
      const url = /"msg":"dashboard, API and \/metrics at (http:\/\/[^"]+)"/.exec(stderr)?.[1];
      assert.ok(url, stderr);
      const scraped = await (await fetch(`${url}metrics`)).text();
      const sample = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(scraped)?.[1]);
      assert.equal(sample('txpipe_messages_consumed_total'), first.length + second.length);
      assert.ok(sample('txpipe_continuous_steps_total\\{state="success"\\}') >= 2, scraped);
      assert.equal(sample('txpipe_continuous_steps_total\\{state="failed"\\}'), 0);
      assert.equal(sample('txpipe_continuous_rows_cleaned_total'), expectedMetrics([...first, ...second], 0n).valid);
      child.kill('SIGTERM');
      assert.equal(await exited, 0, stderr);
    } else {
      // PGlite: one process per data directory, so the data is there before run starts, and the tables
      // are read after it caught up and stopped by itself.
      await cli(['produce', '--file', file('second')], t.env);
      await cli(['run', '--until-idle'], t.env);
    }
    const lines = [...first, ...second];
    assertMatches(await cli(['metrics', 'hourly', '--format', 'json'], t.env), expectedMetrics(lines, 0n));
    const byRun = await tables(t);
    assert.equal(byRun.runs, 0, 'continuous steps are not DAG runs');
    assert.equal(byRun.steps.length, 1);
    assert.ok(Number(byRun.steps[0]!.steps) > 0 && byRun.steps[0]!.stopped, 'its steps are counted, and it said it stopped');
    assert.equal(Number(byRun.steps[0]!.rows_cleaned), byRun.clean.length, 'every clean row came from its steps');

    await cli(['dag', 'run', 'process_kafka_to_postgres', '--full-refresh'], t.env);
    const byDag = await tables(t);
    assert.deepEqual(byDag.clean, byRun.clean);
    assert.deepEqual(byDag.metrics, byRun.metrics);
    assert.deepEqual(byDag.latency, byRun.latency);
  } finally {
    await t.cleanup();
  }
});
