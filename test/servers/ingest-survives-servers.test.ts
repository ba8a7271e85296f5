/**
 * `ingest --follow` through its servers' failures, on a PostgreSQL and a Kafka of the test's own (see
 * support/private-servers.ts): a PostgreSQL crash-restart (`pg_ctl restart -m immediate`) while it
 * writes, then a Kafka broker SIGKILLed while it reads and restarted. It keeps running, loses and
 * doubles nothing (the independent computation, reconcile), and says so once per outage; errors no
 * retry can fix end it at once with one line.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cli, cliEnv, repoRoot, runCli, nodeFlags } from '../support/cli.ts';
import { testName } from '../support/target.ts';
import { expectedMetrics } from '../support/expected.ts';
import { assertMatches } from '../support/assert-metrics.ts';
import { PrivateKafka, PrivatePostgres } from '../support/private-servers.ts';
import { loadConfig } from '../../src/config.ts';
import { connectWarehouse } from '../../src/runtime.ts';
import { KafkaEventLog } from '../../src/log/kafka/kafka-log.ts';
import { publishLines } from '../../src/log/publish.ts';
import { generateEvents } from '../../src/events/generator.ts';

let postgres: PrivatePostgres;
let kafka: PrivateKafka;

before(async () => {
  [postgres, kafka] = await Promise.all([PrivatePostgres.start(), PrivateKafka.start()]);
});

after(async () => {
  postgres?.stop();
  await kafka?.stop();
});

/** Unique, valid events (no resends, nothing invalid), so every line is exactly one raw row. */
function events(count: number, seed: number, start: string): string[] {
  return [...generateEvents({ count, seed, start: Date.parse(start), eventsPerHour: 20_000, lateRatio: 0.05, duplicateRatio: 0, invalidRatio: 0 })];
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number, log: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; the ingest said:\n${log()}`);
    await sleep(200);
  }
}

test('ingest --follow rides out a PostgreSQL crash-restart and a Kafka SIGKILL + restart, losing and doubling nothing', async () => {
  const env = {
    DATABASE_URL: await postgres.createDatabase(testName()),
    KAFKA_BROKERS: kafka.brokers,
    TXPIPE_TOPIC: testName('txpipe_topic'),
    TXPIPE_CONSUMER_GROUP: testName('txpipe_group'),
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    TXPIPE_BATCH_SIZE: '2000',
    TXPIPE_LOG_LEVEL: 'info',
  };
  const config = loadConfig(env);
  await cli(['migrate'], env);
  const log = new KafkaEventLog(config.kafka!);
  await log.ensureTopic();
  const warehouse = await connectWarehouse(config);
  const raw = async () => {
    for (;;) {
      try {
        return Number((await warehouse.query<{ n: string }>('SELECT count(*)::text AS n FROM transactions'))[0]!.n);
      } catch {
        await sleep(200); // the test's own connection is cut by the restart too
      }
    }
  };

  const child = spawn(process.execPath, [...nodeFlags, join(repoRoot, 'src/cli/main.ts'), 'ingest', '--follow'], { env: cliEnv(env) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  try {
    const phases = [events(60_000, 1, '2026-06-01T00:00:00Z'), events(40_000, 2, '2026-06-02T00:00:00Z'), events(5_000, 3, '2026-06-03T00:00:00Z')];
    let total = 0;

    // 1. PostgreSQL crashes and restarts while the ingest is writing.
    for (let i = 0; i < phases[0]!.length; i += 20_000) await publishLines(log, phases[0]!.slice(i, i + 20_000));
    total += phases[0]!.length;
    await until(
      'the ingest to be writing',
      async () => (await raw()) > 10_000,
      60_000,
      () => stderr,
    );
    postgres.restart();
    await until(
      `all ${total} rows after the PostgreSQL restart`,
      async () => (await raw()) === total,
      120_000,
      () => stderr,
    );

    // 2. The broker is killed while the ingest is reading, and comes back a few seconds later.
    for (let i = 0; i < phases[1]!.length; i += 20_000) await publishLines(log, phases[1]!.slice(i, i + 20_000));
    total += phases[1]!.length;
    await until(
      'the ingest to be reading',
      async () => (await raw()) > phases[0]!.length + 5_000,
      60_000,
      () => stderr,
    );
    await kafka.kill();
    await sleep(3_000);
    await kafka.up();
    await until(
      `all ${total} rows after the Kafka restart`,
      async () => (await raw()) === total,
      180_000,
      () => stderr,
    );

    // 3. New data after both outages still flows.
    await publishLines(log, phases[2]!);
    total += phases[2]!.length;
    await until(
      `all ${total} rows`,
      async () => (await raw()) === total,
      60_000,
      () => stderr,
    );

    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    const lines = phases.flat();
    assert.equal(await raw(), lines.length, 'every event exactly once');
    const outages = stderr.split('\n').filter((l) => / unreachable \(/.test(l));
    const resumed = stderr.split('\n').filter((l) => / reachable again after /.test(l));
    assert.deepEqual(
      [outages.map((l) => /(PostgreSQL|Kafka) unreachable/.exec(l)?.[1]), resumed.length],
      [['PostgreSQL', 'Kafka'], 2],
      `one line per outage and one when it resumed:\n${stderr}`,
    );
    assert.match(stdout, /ingested \d+ records/);
    assert.equal(Number(/(\d+) restarts? after outages/.exec(stdout)?.[1] ?? 0) >= 2, true, stdout);

    await cli(['dag', 'run', 'process_kafka_to_postgres'], env);
    assertMatches(await cli(['metrics', 'hourly', '--format', 'json'], env), expectedMetrics(lines, 0n));
    const r = await runCli(['reconcile', '--format', 'json'], env);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const rec = JSON.parse(r.stdout) as { consumed: number; raw_transactions: number; duplicates: number; dead_letters: number };
    assert.deepEqual([rec.consumed, rec.raw_transactions, rec.duplicates, rec.dead_letters], [lines.length, lines.length, 0, 0]);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await warehouse.close();
    await log.close();
  }
});

test('errors no retry can fix end the ingest at once, with one line naming the problem', async () => {
  const base = { KAFKA_BROKERS: kafka.brokers, TXPIPE_TOPIC: testName('txpipe_topic'), TXPIPE_LOG_LEVEL: 'warn' };
  const missingDb = postgres.url.replace(/\/postgres$/, '/no_such_database');
  const unknownRole = postgres.url.replace('postgres@', 'no_such_role@');
  for (const [what, url, pattern] of [
    ['a missing database', missingDb, /database "no_such_database" does not exist/],
    ['an unknown role', unknownRole, /role "no_such_role" does not exist/],
  ] as const) {
    const started = Date.now();
    const r = await runCli(['ingest', '--until-idle'], { ...base, DATABASE_URL: url });
    assert.equal(r.code, 1, `${what}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `${what}: one line, got:\n${r.stderr}`);
    assert.match(lines[0]!, pattern);
    assert.ok(Date.now() - started < 20_000, `${what}: no retries`);
  }
});
