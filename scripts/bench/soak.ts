/**
 * The bench's bounded soak: events at a steady rate into Kafka for a few minutes while `txpipe ingest
 * --follow` is SIGKILLed every so often and its PostgreSQL (a private cluster) crash-restarts once;
 * then a final catch-up, the DAG, and the proof: reconcile balanced and hourly_metrics equal to an
 * independent computation. Prints events, faults and the outcome; throws when anything is off.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateEvents } from '../../src/events/generator.ts';
import { loadConfig } from '../../src/config.ts';
import { KafkaEventLog } from '../../src/log/kafka/kafka-log.ts';
import { publishLines } from '../../src/log/publish.ts';
import { cli, cliEnv, repoRoot, runCli } from '../../test/support/cli.ts';
import { testName } from '../../test/support/target.ts';
import { PrivatePostgres } from '../../test/support/private-servers.ts';
import { expectedMetrics } from '../../test/support/expected.ts';
import { assertMatches } from '../../test/support/assert-metrics.ts';

export interface SoakResult {
  seconds: number;
  rate: number;
  events: number;
  kills: number;
  restarts: number;
  reconcile: string;
  metricsMatch: boolean;
}

function startIngest(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [join(repoRoot, 'src/cli/main.ts'), 'ingest', '--follow'], {
    env: cliEnv(env),
    detached: true,
    stdio: 'ignore',
  });
  return child;
}

export async function soak(kafkaBrokers: string, seconds: number, rate: number, say: (s: string) => void): Promise<SoakResult> {
  const postgres = await PrivatePostgres.start();
  try {
    const env = {
      DATABASE_URL: await postgres.createDatabase(testName('txpipe_soak')),
      KAFKA_BROKERS: kafkaBrokers,
      TXPIPE_TOPIC: testName('txpipe_soak_topic'),
      TXPIPE_CONSUMER_GROUP: testName('txpipe_soak_group'),
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      TXPIPE_LOG_LEVEL: 'warn',
    };
    await cli(['migrate'], env);
    const log = new KafkaEventLog(loadConfig(env).kafka!);
    await log.ensureTopic();
    const events = generateEvents({
      count: Number.MAX_SAFE_INTEGER,
      seed: 4242,
      start: Date.parse('2026-09-01T00:00:00Z'),
      eventsPerHour: rate * 60,
      lateRatio: 0.05,
      duplicateRatio: 0.02,
      invalidRatio: 0.01,
    });
    const lines: string[] = [];
    let ingest = startIngest(env);
    let kills = 0;
    let restarts = 0;
    const started = performance.now();
    const killEvery = Math.max(10, Math.floor(seconds / 5)) * 1000;
    let nextKill = killEvery;
    let restarted = false;
    for (;;) {
      const elapsed = performance.now() - started;
      if (elapsed >= seconds * 1000) break;
      const due = Math.floor((elapsed / 1000) * rate) - lines.length;
      if (due > 0) {
        const chunk: string[] = [];
        for (let i = 0; i < due; i++) chunk.push(events.next().value as string);
        await publishLines(log, chunk);
        lines.push(...chunk);
      }
      if (elapsed >= nextKill) {
        process.kill(-ingest.pid!, 'SIGKILL');
        kills++;
        ingest = startIngest(env);
        nextKill += killEvery;
        say(`soak: ${Math.round(elapsed / 1000)} s, ${lines.length} events: ingest SIGKILLed and restarted`);
      }
      if (!restarted && elapsed >= (seconds * 1000) / 2) {
        postgres.restart();
        restarted = true;
        restarts++;
        say(`soak: ${Math.round(elapsed / 1000)} s, ${lines.length} events: PostgreSQL crash-restarted`);
      }
      await sleep(100);
    }
    process.kill(-ingest.pid!, 'SIGTERM');
    await new Promise((resolve) => (ingest.exitCode === null ? ingest.once('exit', resolve) : resolve(null)));
    await log.close();
    say(`soak: ${lines.length} events produced; final catch-up and DAG`);
    await cli(['ingest', '--until-idle'], env);
    await cli(['dag', 'run', 'process_kafka_to_postgres'], env);
    const reconcile = await runCli(['reconcile'], env);
    let metricsMatch = true;
    try {
      assertMatches(await cli(['metrics', 'hourly', '--format', 'json'], env), expectedMetrics(lines, 0n));
    } catch (error) {
      metricsMatch = false;
      say(`soak: hourly_metrics differ from the independent computation: ${(error as Error).message.slice(0, 500)}`);
    }
    const result = { seconds, rate, events: lines.length, kills, restarts, reconcile: reconcile.stdout.trim(), metricsMatch };
    if (reconcile.code !== 0 || !metricsMatch) throw new Error(`soak failed: ${JSON.stringify(result)}`);
    return result;
  } finally {
    postgres.stop();
  }
}
