/**
 * npm run bench: ingest speed on PGlite, PostgreSQL and Kafka → PostgreSQL beside its floors (a bare
 * COPY, a bare consumer), the ingest process's peak RSS, and DAG run times as the table grows.
 * Needs DATABASE_URL and KAFKA_BROKERS (eval "$(npm run -s services:up)"). BENCH_EVENTS sets the size;
 * BENCH_FRESHNESS_SECONDS (60; 0 skips) and BENCH_FRESHNESS_RATE (20000/s) the freshness of `txpipe run`
 * (needs OPENSEARCH_URL too); BENCH_SOAK_SECONDS (180; 0 skips) and BENCH_SOAK_RATE (3000/s) the soak.
 * BENCH_SECTIONS picks sections (comma-separated: pglite, postgres, kafka, freshness, soak; default all).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { generateEvents } from '../../src/events/generator.ts';
import { validateEvent } from '../../src/events/event.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { silentLogger } from '../../src/observe/logger.ts';
import { openRuntime, type Runtime } from '../../src/runtime.ts';
import { runIngest } from '../../src/ingest/ingest.ts';
import { runDag } from '../../src/dag/runner.ts';
import { EVENT_COLUMNS, RAW_COLUMNS } from '../../src/ingest/prepare-batch.ts';
import { publishLines } from '../../src/log/publish.ts';
import { CopyWriter } from '../../src/warehouse/copy-text.ts';
import { bareConsume } from './kafka-bare-consumer.ts';
import { soak } from './soak.ts';
import { freshness, histogram, percentile } from './freshness.ts';
import { createDatabase, dropDatabase, testName } from '../../test/support/target.ts';
import { cliEnv, repoRoot } from '../../test/support/cli.ts';
import { table } from '../../src/cli/table.ts';

const N = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const N_PGLITE = Number(process.env.BENCH_PGLITE_EVENTS ?? Math.min(N, 200_000));
/** The Kafka section and its floors (the floors hold their rows in memory): at most a million by default. */
const N_KAFKA = Number(process.env.BENCH_KAFKA_EVENTS ?? Math.min(N, 1_000_000));
const FRESH_SECONDS = Number(process.env.BENCH_FRESHNESS_SECONDS ?? 60);
const FRESH_RATE = Number(process.env.BENCH_FRESHNESS_RATE ?? 20_000);
const SOAK_SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 180);
const SOAK_RATE = Number(process.env.BENCH_SOAK_RATE ?? 3000);
const SECTIONS = new Set((process.env.BENCH_SECTIONS ?? 'pglite,postgres,kafka,freshness,soak').split(',').map((x) => x.trim()));
const wants = (section: string) => SECTIONS.has(section);
const START = Date.parse('2026-01-01T00:00:00Z');
const PER_HOUR = 20_000;

const say = (s: string) => process.stderr.write(`bench: ${s}\n`);
const rate = (n: number, s: number) => Math.round(n / s).toLocaleString('en-US');

/** The bench's events, generated as they are consumed: nothing holds all of them (BENCH_EVENTS may be 10M). */
function events(count: number, start = START, perHour = PER_HOUR, seed = 1): Generator<string> {
  return generateEvents({ count, seed, start, eventsPerHour: perHour, lateRatio: 0.05, duplicateRatio: 0.01, invalidRatio: 0.01 });
}

/** The next `count` events of a stream, published to the log 50,000 at a time. */
async function publishFrom(log: Runtime['log'], stream: Iterator<string>, count: number): Promise<void> {
  for (let left = count; left > 0; ) {
    const chunk: string[] = [];
    for (let next = stream.next(); !next.done; next = stream.next()) {
      chunk.push(next.value);
      if (chunk.length >= Math.min(50_000, left)) break;
    }
    if (chunk.length === 0) return;
    await publishLines(log, chunk);
    left -= chunk.length;
  }
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const t = performance.now();
  const value = await fn();
  return { value, seconds: (performance.now() - t) / 1000 };
}

async function ingestInProcess(rt: Runtime, stream: Iterator<string>, count: number) {
  await publishFrom(rt.log, stream, count);
  const totals = await runIngest({
    warehouse: rt.warehouse,
    log: rt.log,
    group: rt.config.group,
    batchSize: rt.config.batchSize,
    untilIdle: true,
    logger: silentLogger,
  });
  return { records: totals.received, seconds: totals.seconds };
}

/** The real `txpipe ingest --until-idle`, started through its own shebang (with its V8 flags), as a user runs it. */
function ingestCli(env: Record<string, string>): Promise<{ records: number; seconds: number; perSecond: number; maxRssMB: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(repoRoot, 'src/cli/main.ts'), ['ingest', '--until-idle'], { env: cliEnv(env) });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => {
      const m = /ingested (\d+) records in ([\d.]+) s \((\d+)\/s, peak RSS (\d+) MB\)/.exec(out);
      if (code !== 0 || !m) return reject(new Error(`txpipe ingest exited ${code}: ${err}${out}`));
      resolve({ records: Number(m[1]), seconds: Number(m[2]), perSecond: Number(m[3]), maxRssMB: Number(m[4]) });
    });
  });
}

/**
 * A full refresh, then one new hour of 3,600 events and the scheduled (incremental) run right after it,
 * then another new hour and its run (the steady state, with the statistics the first run left).
 */
async function dagTimes(rt: Runtime, rows: number, nextHourStart: number, seed: number) {
  const run = (at: number, fullRefresh: boolean) =>
    timed(async () => {
      const r = await runDag(rt, {
        logicalDate: new Date(at).toISOString(),
        runType: fullRefresh ? 'manual' : 'scheduled',
        fullRefresh,
        retries: 0,
        retryDelayMs: 0,
      });
      if (r.state !== 'success') throw new Error(`a bench DAG run failed: ${r.error}`);
    });
  const newHour = async (k: number) => {
    await ingestInProcess(rt, events(3600, nextHourStart + k * 3_600_000, 3600, seed + 1000 * k), 3600);
    return (await run(nextHourStart + k * 3_600_000, false)).seconds;
  };
  const full = await run(nextHourStart, true);
  const afterFull = await newHour(0);
  // Steady state: the median of three runs, each after one more new hour (a single 0.1 s run is noise).
  const steady = [await newHour(1), await newHour(2), await newHour(3)].sort((a, b) => a - b)[1]!;
  return { rows, full: full.seconds, afterFull, steady };
}

const results: string[][] = [];
const dagRows: string[][] = [];
const dagSteps: { rows: number; afterFull: number; steady: number }[] = [];
const notes: string[] = [];

async function main() {
  const databaseUrl = process.env.DATABASE_URL;
  const kafka = process.env.KAFKA_BROKERS;
  if (!databaseUrl || !kafka) throw new Error('DATABASE_URL and KAFKA_BROKERS must be set: eval "$(npm run -s services:up)"');

  // PGlite: the embedded default, in-process.
  if (wants('pglite')) {
    const dir = await mkdtemp(join(tmpdir(), 'txpipe-bench-'));
    const rt = await openRuntime(loadConfig({ TXPIPE_DATA_DIR: dir }), silentLogger);
    try {
      say(`PGlite ingest of ${N_PGLITE.toLocaleString('en-US')} events`);
      const r = await ingestInProcess(rt, events(N_PGLITE), N_PGLITE);
      results.push(['ingest, embedded log → PGlite', r.records.toLocaleString('en-US'), r.seconds.toFixed(1), rate(r.records, r.seconds), '']);
    } finally {
      await rt.close();
      await rm(dir, { recursive: true, force: true });
    }
  }

  // PostgreSQL with the embedded log table (no Kafka): ingest, and DAG times as the table grows.
  if (wants('postgres')) {
    const db = testName('txpipe_bench');
    const config = loadConfig({ DATABASE_URL: await createDatabase(db) });
    const rt = await openRuntime(config, silentLogger);
    try {
      let ingested = 0;
      let seconds = 0;
      const steps = N >= 4_000_000 ? [Math.round(N / 10), Math.round(N / 2), N] : [Math.round(N / 4), Math.round(N / 2), N];
      const stream = events(N);
      let from = 0;
      for (const [i, upTo] of steps.entries()) {
        say(`PostgreSQL ingest up to ${upTo.toLocaleString('en-US')} events`);
        const r = await ingestInProcess(rt, stream, upTo - from);
        ingested += r.records;
        seconds += r.seconds;
        from = upTo;
        const [{ n }] = (await rt.warehouse.query<{ n: string }>('SELECT count(*)::text AS n FROM transactions')) as [{ n: string }];
        say(`DAG: full refresh and two new hours on ${Number(n).toLocaleString('en-US')} rows`);
        const d = await dagTimes(rt, Number(n), START + (Math.ceil(N / PER_HOUR) + 2 + 4 * i) * 3_600_000, 100 + i);
        dagRows.push([d.rows.toLocaleString('en-US'), d.full.toFixed(2), d.afterFull.toFixed(3), d.steady.toFixed(3)]);
        dagSteps.push(d);
      }
      results.push(['ingest, embedded log table → PostgreSQL', ingested.toLocaleString('en-US'), seconds.toFixed(1), rate(ingested, seconds), '']);
    } finally {
      await rt.close();
      await dropDatabase(db);
    }
  }

  // Kafka → PostgreSQL, beside its two floors.
  if (wants('kafka')) {
    const db = testName('txpipe_bench');
    const url = await createDatabase(db);
    const topic = testName('txpipe_bench_topic');
    const env = { DATABASE_URL: url, KAFKA_BROKERS: kafka, TXPIPE_TOPIC: topic, TXPIPE_CONSUMER_GROUP: testName('g'), TXPIPE_LOG_LEVEL: 'warn' };
    const config: Config = loadConfig(env);
    const rt = await openRuntime(config, silentLogger);
    try {
      say(`producing ${N_KAFKA.toLocaleString('en-US')} events to Kafka topic ${topic}`);
      await rt.log.ensureTopic();
      const produced = await timed(() => publishFrom(rt.log, events(N_KAFKA), N_KAFKA));
      results.push([
        'produce to Kafka (acks=all, keyed)',
        N_KAFKA.toLocaleString('en-US'),
        produced.seconds.toFixed(1),
        rate(N_KAFKA, produced.seconds),
        '',
      ]);

      // (a) and (b) each start right after a checkpoint, so neither pays for the other's (or an earlier
      // section's) dirty buffers and full-page writes.
      const checkpoint = () => rt.warehouse.exec('CHECKPOINT').catch((e: Error) => say(`CHECKPOINT skipped (${e.message})`));
      say('(c) bare consumer');
      const bare = await bareConsume(config.kafka!, N_KAFKA);
      say('(a) txpipe ingest, Kafka → PostgreSQL, in its own process');
      await checkpoint();
      const ingest = await ingestCli(env);
      say('(b) bare COPY of the same rows into an identical empty table');
      // The same columns as the ingest writes: the log position (partition, offset, timestamp) and the
      // event. Encoded before the clock starts: the floor is what the server takes to absorb the rows. The
      // encoding is timed on its own and shown as (b'), encoding + COPY (the floor as earlier benches took it).
      const seen = new Set<string>();
      let i = 0;
      const encoded = await timed(async () => {
        const w = new CopyWriter(N_KAFKA * 160);
        for (const line of events(N_KAFKA)) {
          const v = validateEvent(line, START);
          const at = i++;
          if (!v.ok || seen.has(v.row.transaction_id)) continue;
          seen.add(v.row.transaction_id);
          w.row([String(at % 3), String(Math.floor(at / 3)), String(START + at), ...EVENT_COLUMNS.map((c) => v.row[c])]);
        }
        return w.bytesWritten();
      });
      const data = encoded.value;
      const rows = { length: seen.size };
      await rt.warehouse.exec('CREATE TABLE bench_copy (LIKE transactions INCLUDING ALL)');
      await checkpoint();
      const copy = await timed(() => rt.warehouse.transaction((tx) => tx.copyIn('bench_copy', RAW_COLUMNS, data)));

      const floor = Math.min(bare.perSecond, rows.length / copy.seconds);
      results.push([
        '(a) txpipe ingest, Kafka → PostgreSQL',
        ingest.records.toLocaleString('en-US'),
        ingest.seconds.toFixed(1),
        rate(ingest.records, ingest.seconds),
        `peak RSS ${Math.round(ingest.maxRssMB)} MB`,
      ]);
      results.push([
        '(b) bare COPY, identical empty table',
        rows.length.toLocaleString('en-US'),
        copy.seconds.toFixed(1),
        rate(rows.length, copy.seconds),
        'rows pre-encoded',
      ]);
      const encodedCopy = encoded.seconds + copy.seconds;
      results.push(["(b') encode rows + bare COPY", rows.length.toLocaleString('en-US'), encodedCopy.toFixed(1), rate(rows.length, encodedCopy), '']);
      results.push(['(c) bare Kafka consumer', N_KAFKA.toLocaleString('en-US'), bare.seconds.toFixed(1), rate(N_KAFKA, bare.seconds), '']);
      const looseFloor = Math.min(bare.perSecond, rows.length / encodedCopy);
      notes.push(
        `(a) / min((b), (c)) = ${(ingest.perSecond / floor).toFixed(2)} (target ≥ 0.80); against (b') ${(ingest.perSecond / looseFloor).toFixed(2)}; ingest peak RSS ${Math.round(ingest.maxRssMB)} MB (target < 300 MB)`,
      );
    } finally {
      await rt.close();
      await dropDatabase(db);
    }
  }

  // Freshness: txpipe run at a steady rate, events stamped now.
  if (FRESH_SECONDS > 0 && wants('freshness')) {
    const opensearch = process.env.OPENSEARCH_URL;
    if (!opensearch) throw new Error('OPENSEARCH_URL must be set for the freshness bench (eval "$(npm run -s services:up)")');
    const f = await freshness({ databaseUrl, kafka, opensearch }, FRESH_SECONDS, FRESH_RATE, say);
    const ms = (v: number) => `${Math.round(v)} ms`;
    notes.push(
      `freshness (txpipe run, ${f.events.toLocaleString('en-US')} events at ${f.rate.toLocaleString('en-US')}/s for ${f.seconds} s; counted: hourly_metrics ${f.counted.postgres.toLocaleString('en-US')}, search ${f.counted.search.toLocaleString('en-US')}):\n` +
        `  to hourly_metrics: p50 ${ms(percentile(f.postgres, 0.5))}, p95 ${ms(percentile(f.postgres, 0.95))}, p99 ${ms(percentile(f.postgres, 0.99))} (target p95 ≤ 1 s)\n${histogram(f.postgres)}\n` +
        `  to the search index: p50 ${ms(percentile(f.search, 0.5))}, p95 ${ms(percentile(f.search, 0.95))}, p99 ${ms(percentile(f.search, 0.99))} (target p50 ≤ 1 s, p95 ≤ 2 s)\n${histogram(f.search)}\n` +
        `  ${f.runLine}`,
    );
  }

  // The soak: steady traffic through SIGKILLs of the ingest and a PostgreSQL crash-restart.
  if (SOAK_SECONDS > 0 && wants('soak')) {
    say(`soak: ${SOAK_SECONDS} s at ${SOAK_RATE} events/s`);
    const s = await soak(kafka, SOAK_SECONDS, SOAK_RATE, say);
    notes.push(
      `soak: ${s.events.toLocaleString('en-US')} events in ${s.seconds} s at ${s.rate}/s; faults: ${s.kills} ingest SIGKILLs, ${s.restarts} PostgreSQL crash-restart; ` +
        `reconcile: ${s.reconcile}; hourly_metrics ${s.metricsMatch ? 'equal' : 'NOT equal'} to the independent computation`,
    );
  }

  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  process.stdout.write(`\ntxpipe bench (${machine}; batch ${loadConfig({}).batchSize})\n\n`);
  process.stdout.write(`${table(['what', 'events', 'seconds', 'events/s', ''], results)}\n\n`);
  process.stdout.write('DAG process_kafka_to_postgres on PostgreSQL as the table grows\n');
  process.stdout.write(`${table(['raw rows', 'full refresh s', '1 new hour, right after s', '1 new hour, steady s (median of 3)'], dagRows)}\n`);
  if (dagSteps.length > 1) {
    const [small, big] = [dagSteps[0]!, dagSteps.at(-1)!];
    process.stdout.write(
      `a run after one new hour at ${big.rows.toLocaleString('en-US')} rows vs ${small.rows.toLocaleString('en-US')}: ` +
        `${(big.afterFull / small.afterFull).toFixed(2)}× right after a full refresh, ${(big.steady / small.steady).toFixed(2)}× in steady state (target ≤ 1.5×)\n\n`,
    );
  }
  for (const n of notes) process.stdout.write(`${n}\n`);
}

await main();
