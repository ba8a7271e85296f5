/** How the CLI treats people and processes: bad input, a busy data directory, a crash mid-stream. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cli, killIngestAfterCommits, runCli, spawnCli } from '../support/cli.ts';
import { freshTarget, publicTables } from '../support/target.ts';
import { generated, writeNdjson } from '../support/events.ts';
import { expectedMetrics } from '../support/expected.ts';
import { assertMatches } from '../support/assert-metrics.ts';

test('bad flags and bad config: one clear line, exit code 2, nothing written', async () => {
  const t = await freshTarget();
  const notADir = join(t.env.TXPIPE_DATA_DIR!, '..', 'a-file');
  await writeFile(notADir, 'not a directory\n');
  try {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['generate', '--count', 'abc'], {}, /--count.*must be an integer/],
      [['generate', '--count', '10', '--late-ratio', '1.5'], {}, /--late-ratio.*between 0 and 1/],
      [['generate', '--count', '10', '--start', 'yesterday'], {}, /--start.*RFC 3339/],
      [['ingest'], {}, /exactly one of --until-idle or --follow/],
      [['dag', 'run', 'some_other_dag'], {}, /unknown DAG "some_other_dag"/],
      [
        ['dag', 'backfill', 'process_kafka_to_postgres', '--from', '2026-06-01T02:00:00Z', '--to', '2026-06-01T01:00:00Z'],
        {},
        /--to must be after --from/,
      ],
      [['dag', 'backfill', 'process_kafka_to_postgres', '--from', '2020-01-01T00:00:00Z', '--to', '2026-01-01T00:00:00Z'], {}, /at most five years/],
      [['metrics', 'hourly', '--format', 'xml'], {}, /--format.*table, json, csv/],
      [['produce', '--file', '/nonexistent/file.ndjson'], {}, /cannot read \/nonexistent\/file.ndjson/],
      [['status'], { TXPIPE_BATCH_SIZE: '0' }, /TXPIPE_BATCH_SIZE/],
      [['status'], { KAFKA_BROKERS: 'not a broker list' }, /KAFKA_BROKERS: must be host:port/],
      [['status'], { DATABASE_URL: 'mysql://x' }, /DATABASE_URL: must start with postgres/],
      [
        ['ingest', '--until-idle'],
        { TXPIPE_MAX_EVENT_TIME: 'someday' },
        /^txpipe: TXPIPE_MAX_EVENT_TIME: must be a date YYYY-MM-DD or an RFC 3339 timestamp/,
      ],
      [
        ['dag', 'run', 'process_kafka_to_postgres'],
        { TXPIPE_QUALITY_SEVERITY: 'freshness=fatal' },
        /^txpipe: TXPIPE_QUALITY_SEVERITY: severity of freshness must be warn or error/,
      ],
      [['quality', '--format', 'yaml'], {}, /--format.*table, json/],
      [['dag', 'schedule', 'process_kafka_to_postgres', '--schedule', 'every minute'], {}, /--schedule/],
      [['no-such-command'], {}, /unknown command/],
      [['produce', '--file', tmpdir()], {}, /^txpipe: --file: .* is a directory, not a file$/],
      [
        ['generate', '--count', '10', '--duplicate-ratio', '0.6', '--invalid-ratio', '0.5'],
        {},
        /^txpipe: --duplicate-ratio \+ --invalid-ratio: must not exceed 1/,
      ],
      [['metrics', 'hourly', '--from', '2026-06-01T02:00:00Z', '--to', '2026-06-01T01:00:00Z'], {}, /^txpipe: --from must be before --to/],
      [['status'], { DATABASE_URL: 'postgres://127.0.0.1:99999/x' }, /^txpipe: DATABASE_URL: port "99999" is out of range/],
      [['status'], { DATABASE_URL: 'postgres:///x' }, /^txpipe: DATABASE_URL: has no host/],
      [
        ['status'],
        { DATABASE_URL: 'postgres://u:s3cret@127.0.0.1:1/x?sslmode=bogus' },
        /^txpipe: DATABASE_URL sslmode: must be one of disable, .* \(got "bogus"\)$/,
      ],
      [['migrate'], { KAFKA_BROKERS: 'host:99999' }, /^txpipe: KAFKA_BROKERS: port "99999" is out of range/],
      [
        ['migrate'],
        { KAFKA_BROKERS: '127.0.0.1:9092', KAFKA_SSL_CA_FILE: '/nonexistent/ca.pem' },
        /^txpipe: KAFKA_SSL_CA_FILE: no such file \/nonexistent\/ca.pem$/,
      ],
      [['migrate'], { DATABASE_URL: '', TXPIPE_DATA_DIR: notADir }, /^txpipe: TXPIPE_DATA_DIR: .* is a file, not a directory$/],
      [['migrate'], { DATABASE_URL: '', TXPIPE_DATA_DIR: join(notADir, 'data') }, /^txpipe: TXPIPE_DATA_DIR: cannot create .*: .* is a file$/],
      [['migrate'], { DATABASE_URL: '', TXPIPE_DATA_DIR: '/proc/x' }, /^txpipe: TXPIPE_DATA_DIR: \/proc\/x is on a system filesystem/],
    ];
    // Four at a time: each is a process start (about a second on a busy machine), and none writes.
    const results = new Map<number, Awaited<ReturnType<typeof runCli>>>();
    for (let i = 0; i < cases.length; i += 4) {
      await Promise.all(cases.slice(i, i + 4).map(async ([args, env], j) => results.set(i + j, await runCli(args, { ...t.env, ...env }))));
    }
    for (const [i, [args, , message]] of cases.entries()) {
      const r = results.get(i)!;
      assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}\n${r.stderr}`);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `${args.join(' ')}: expected one line, got:\n${r.stderr}`);
      assert.match(lines[0]!, message);
      assert.equal(r.stdout, '');
      assert.doesNotMatch(r.stderr, /s3cret/);
    }
    if (t.kind === 'pglite') assert.equal(existsSync(t.env.TXPIPE_DATA_DIR!), false, 'a rejected command created the data directory');
    else assert.equal(await publicTables(t), 0, 'a rejected command migrated the database');
  } finally {
    await t.cleanup();
  }
});

test('a data directory the user cannot write: one line naming TXPIPE_DATA_DIR, exit 2, nothing created', async () => {
  // Root may write anywhere, so as root the commands run as nobody; otherwise as this user, on a mode 0555 directory.
  const root = process.getuid?.() === 0;
  const as = root ? { uid: 65534, gid: 65534 } : undefined;
  const base = await mkdtemp(join(tmpdir(), 'txpipe-unwritable-'));
  const locked = join(base, 'locked');
  await mkdir(locked);
  await chmod(base, 0o755);
  await chmod(locked, root ? 0o755 : 0o555);
  try {
    const cases: [string, RegExp][] = [
      [locked, /^txpipe: TXPIPE_DATA_DIR: .*\/locked is not writable$/],
      [join(locked, 'data'), /^txpipe: TXPIPE_DATA_DIR: cannot create .*\/locked\/data: .*\/locked is not writable$/],
    ];
    for (const [dir, message] of cases) {
      for (const args of [['migrate'], ['run']]) {
        const r = await runCli(args, { TXPIPE_DATA_DIR: dir, TXPIPE_LOG_LEVEL: 'info' }, undefined, as);
        assert.equal(r.code, 2, `${args.join(' ')} on ${dir}: exit ${r.code}\n${r.stderr}`);
        assert.deepEqual(r.stderr.trim().split('\n').length, 1, r.stderr);
        assert.match(r.stderr.trim(), message);
      }
    }
    assert.deepEqual(await readdir(locked), [], 'nothing was created');
  } finally {
    await chmod(locked, 0o755);
    await rm(base, { recursive: true, force: true });
  }
});

test('a second process on the same embedded data directory gets a clear error', async () => {
  const t = await freshTarget({}, 'pglite');
  try {
    await cli(['migrate'], t.env);
    const follower = spawnCli(['ingest', '--follow'], { ...t.env, TXPIPE_LOG_LEVEL: 'info' });
    let err = '';
    follower.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => follower.on('close', resolve));
    for (let i = 0; i < 100 && !existsSync(join(t.env.TXPIPE_DATA_DIR!, 'txpipe.lock')); i++) await sleep(100);
    await sleep(500);
    // A writer (reading commands ask the holder instead: embedded-remote.test.ts).
    const r = await runCli(['migrate'], t.env);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`data directory .* is in use by process ${follower.pid}`));
    follower.kill('SIGTERM');
    assert.equal(await exited, 0, err);
    // The lock is released on a clean stop.
    assert.equal((await runCli(['status'], t.env)).code, 0);
  } finally {
    await t.cleanup();
  }
});

test('an ingest killed mid-stream and restarted loses and doubles nothing', async () => {
  const t = await freshTarget();
  try {
    const messages = generated(30_000, 21, '2026-07-01T00:00:00Z', 5000);
    const file = join(t.env.TXPIPE_DATA_DIR!, '..', 'many.ndjson');
    await writeNdjson(file, messages);
    await cli(['produce', '--file', file], t.env);

    // Kill it with SIGKILL (no cleanup at all) once a few batches have committed.
    const closed = killIngestAfterCommits(['--until-idle', '--batch-size', '500'], t.env, 5);
    assert.equal(await closed, 'SIGKILL', 'the ingest finished before it could be killed: give it more work');

    const partial = JSON.parse(await cli(['status', '--format', 'json'], t.env)) as { raw_transactions: number; consumer: { lag: number } };
    assert.ok(partial.consumer.lag > 0, 'nothing left to replay');

    await cli(['ingest', '--until-idle', '--batch-size', '500'], t.env);
    await cli(['dag', 'run', 'process_kafka_to_postgres'], t.env);
    const expected = expectedMetrics(messages, 0n);
    const s = JSON.parse(await cli(['status', '--format', 'json'], t.env)) as {
      raw_transactions: number;
      dead_letters: number;
      duplicates: number;
      consumer: { lag: number };
    };
    assert.deepEqual([s.raw_transactions, s.duplicates, s.dead_letters, s.consumer.lag], [expected.valid, expected.duplicates, expected.invalid, 0]);
    assertMatches(await cli(['metrics', 'hourly', '--format', 'json'], t.env), expected);
    assert.match(await cli(['reconcile'], t.env), /^balanced: 30000 records consumed/);

    // A lost dead letter is caught.
    const w = await t.open();
    await w.query('DELETE FROM dead_letters WHERE ctid IN (SELECT ctid FROM dead_letters LIMIT 1)');
    await w.close();
    const r = await runCli(['reconcile'], t.env);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^NOT BALANCED: 30000 records consumed .* \(accounted 29999\)/);
  } finally {
    await t.cleanup();
  }
});
