/** The built-in scheduler and the one-command demo, run for a few seconds each. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { cli, spawnCli } from '../support/cli.ts';
import { get, until } from '../support/serve.ts';
import { freshTarget } from '../support/target.ts';

test('dag schedule runs on its cron until SIGTERM, each run covering [previous tick, tick)', async () => {
  const t = await freshTarget();
  try {
    await cli(['migrate'], t.env);
    const child = spawnCli(['dag', 'schedule', 'process_kafka_to_postgres', '--schedule', '*/2 * * * * *'], t.env);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    for (let i = 0; i < 150 && (out.match(/^scheduled__\S+: success/gm) ?? []).length < 2; i++) await sleep(100);
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    const runs = JSON.parse(await cli(['dag', 'runs', '--format', 'json'], t.env)) as {
      run_id: string;
      state: string;
      logical_date: string;
      run_type: string;
    }[];
    assert.ok(runs.length >= 2, `expected at least two scheduled runs, got ${runs.length}: ${out}`);
    for (const r of runs) {
      assert.equal(r.state, 'success');
      assert.match(r.run_id, /^scheduled__\d{4}-\d\d-\d\dT\d\d:\d\d:\d[02468]\.000Z$/);
      assert.equal(new Date(r.logical_date).getUTCSeconds() % 2, 0);
    }
  } finally {
    await t.cleanup();
  }
});

test('demo generates, ingests and aggregates in one process, serves the dashboard at the URL it prints, then prints status and metrics', async () => {
  const t = await freshTarget();
  try {
    const child = spawnCli(['demo', '--rate', '200', '--schedule', '*/2 * * * * *', '--duration', '9', '--port', '0'], t.env);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const url = await until('the dashboard URL', () => /^dashboard: (http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(stdout)?.[1]);
    assert.match((await get(url)).text, /<title>txpipe/);
    // The page's API answers from the running demo: rows arrive while it runs.
    const live = await until('rows through the demo API', async () => {
      const s = (await get(`${url}api/status`)).json<{ raw_transactions: number }>();
      return s.raw_transactions > 0 ? s : undefined;
    });
    assert.ok(live.raw_transactions > 0);
    assert.equal(await exited, 0, stderr);
    const raw = Number(/raw_transactions\s+(\d+)/.exec(stdout)?.[1]);
    const clean = Number(/clean_transactions\s+(\d+)/.exec(stdout)?.[1]);
    assert.ok(raw > 300, `demo ingested only ${raw} rows:\n${stdout}`);
    assert.ok(clean > 0 && clean <= raw, `clean ${clean}, raw ${raw}`);
    assert.match(stdout, /event_hour\s+total_transactions\s+total_amount/);
    assert.match(stdout, /last DAG run\s+scheduled__\S+ success/);
  } finally {
    await t.cleanup();
  }
});
