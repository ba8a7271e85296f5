/**
 * The embedded data directory watched from outside: while `ingest --follow` holds a PGlite data
 * directory, the read-only commands ask its local API and print exactly what they print when they read
 * the database themselves. (PGlite only: on PostgreSQL every command connects by itself.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, runCli, spawnCli } from '../support/cli.ts';
import { freshTarget } from '../support/target.ts';
import { loadKnownData } from '../support/known-data.ts';
import { get, until } from '../support/serve.ts';

const READ_COMMANDS: string[][] = [
  ['status', '--format', 'json'],
  ['status'],
  ['metrics', 'hourly', '--format', 'json'],
  ['metrics', 'hourly', '--format', 'json', '--from', '2026-03-01T08:00:00Z', '--to', '2026-03-01T10:00:00Z'],
  ['metrics', 'hourly', '--format', 'csv'],
  ['metrics', 'hourly'],
  ['dag', 'runs', '--format', 'json'],
  ['dag', 'runs'],
  ['dead-letters', 'list', '--format', 'json', '--limit', '1000'],
  ['dead-letters', 'list', '--reason', 'not json'],
  ['dead-letters', 'show', '0:15'],
  ['dead-letters', 'show', 'transactions/0/15', '--format', 'json'],
  ['quality', '--format', 'json'],
  ['quality'],
];

/** `ingest --follow` holding the data directory, once its local API is recorded and answers. */
async function follow(env: Record<string, string>) {
  const child = spawnCli(['ingest', '--follow'], env);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const record = join(env.TXPIPE_DATA_DIR!, 'txpipe.api.json');
  const url = await until(`the local API record of ingest --follow (stderr so far: ${stderr})`, () => {
    if (child.exitCode !== null) throw new Error(`ingest --follow exited ${child.exitCode}:\n${stderr}`);
    if (!existsSync(record)) return undefined;
    const r = JSON.parse(readFileSync(record, 'utf8')) as { pid: number; url: string };
    assert.equal(r.pid, child.pid);
    assert.match(r.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    return r.url;
  });
  return {
    url,
    record,
    stderr: () => stderr,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

test('while ingest --follow holds the data directory, status, metrics, dag runs and dead-letters answer from it, exactly as from the database', async () => {
  const t = await freshTarget({}, 'pglite');
  try {
    await loadKnownData(t);
    const fromDatabase = new Map<string, string>();
    for (const args of READ_COMMANDS) fromDatabase.set(args.join(' '), await cli(args, t.env));

    const f = await follow({ ...t.env, TXPIPE_LOG_LEVEL: 'info' });
    try {
      for (const args of READ_COMMANDS) {
        assert.equal(await cli(args, t.env), fromDatabase.get(args.join(' ')), `txpipe ${args.join(' ')} differs through the local API`);
      }
      // A missing dead letter and a bad ID fail the same way too.
      const missing = await runCli(['dead-letters', 'show', '0:999999'], t.env);
      assert.deepEqual([missing.code, missing.stderr.trim()], [1, 'txpipe: no dead letter at transactions/0/999999']);
      // Writers still get the clear "in use" error: only reading goes through the holder.
      const writer = await runCli(['migrate'], t.env);
      assert.equal(writer.code, 1);
      assert.match(writer.stderr, /data directory .* is in use by process \d+/);
      // The holder's readiness says what it runs.
      assert.deepEqual((await get(`${f.url}readyz`)).json(), { status: 'ready', checks: { database: 'ok', consumer: 'ok' } });
    } finally {
      assert.equal(await f.stop(), 0, f.stderr());
    }
    assert.equal(existsSync(f.record), false, 'the local API record outlived its process');
    assert.equal(await cli(['status', '--format', 'json'], t.env), fromDatabase.get('status --format json'));
  } finally {
    await t.cleanup();
  }
});

test('the local API keeps TXPIPE_HTTP_TOKEN: a command with the token answers, one without is told to set it', async () => {
  const t = await freshTarget({}, 'pglite');
  const token = 'local-api-token-42';
  try {
    await cli(['migrate'], t.env);
    const expected = await cli(['status', '--format', 'json'], t.env);
    const f = await follow({ ...t.env, TXPIPE_HTTP_TOKEN: token });
    try {
      assert.equal(await cli(['status', '--format', 'json'], { ...t.env, TXPIPE_HTTP_TOKEN: token }), expected);
      for (const env of [t.env, { ...t.env, TXPIPE_HTTP_TOKEN: 'not-the-token' }]) {
        const r = await runCli(['status'], env);
        assert.equal(r.code, 1);
        assert.match(r.stderr, /^txpipe: process \d+ \(holding .*\) at http:\/\/127\.0\.0\.1:\d+\/ needs its token: set TXPIPE_HTTP_TOKEN/);
        assert.ok(!r.stderr.includes(token));
      }
      assert.equal((await get(`${f.url}api/status`)).status, 401);
      assert.ok(!readFileSync(f.record, 'utf8').includes(token), 'the token was written to the record');
    } finally {
      assert.equal(await f.stop(), 0, f.stderr());
    }
    assert.ok(!f.stderr().includes(token), 'the token was logged');
  } finally {
    await t.cleanup();
  }
});
