/**
 * The bench's freshness measurement: `txpipe run` (its own process, as users run it) on PostgreSQL,
 * Kafka and OpenSearch while events stamped event_time = processing_time = now arrive at a steady
 * rate. For each group of events: the time from the moment they were handed to the topic (their
 * event_time; the topic's acknowledgement comes a little later) until a read that started after they
 * were acknowledged saw them counted in hourly_metrics (PostgreSQL), and in the hour's search document
 * (the time the read returned: an upper bound). Every event must end up counted.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { loadConfig } from '../../src/config.ts';
import { KafkaEventLog } from '../../src/log/kafka/kafka-log.ts';
import { publishLines } from '../../src/log/publish.ts';
import { cli, cliEnv, repoRoot } from '../../test/support/cli.ts';
import { createDatabase, dropDatabase, testName } from '../../test/support/target.ts';

export interface FreshnessResult {
  events: number;
  seconds: number;
  rate: number;
  /** Freshness of each group's events, in ms, weighted by group size: [ms, events][]. */
  postgres: number[];
  search: number[];
  counted: { postgres: number; search: number };
  runLine: string;
}

interface Group {
  hour: string;
  /** Events of this hour up to and including this group. */
  cumulative: number;
  size: number;
  /** When the group was handed to the topic (its events' event_time). */
  sent: number;
  postgresAt?: number;
  searchAt?: number;
}

const hourOf = (ms: number) => new Date(Math.floor(ms / 3_600_000) * 3_600_000).toISOString().replace('.000Z', 'Z');

function event(now: number): string {
  const t = new Date(now).toISOString();
  return JSON.stringify({
    transaction_id: randomUUID(),
    user_id: randomUUID(),
    amount: (1 + Math.floor(Math.random() * 100_000) / 100).toFixed(2),
    currency: 'EUR',
    status: 'completed',
    event_time: t,
    processing_time: t,
  });
}

export async function freshness(
  env: { databaseUrl: string; kafka: string; opensearch: string },
  seconds: number,
  rate: number,
  say: (s: string) => void,
) {
  const db = testName('txpipe_fresh');
  const url = await createDatabase(db);
  const index = testName('txpipe_fresh_idx');
  const runEnv = {
    DATABASE_URL: url,
    KAFKA_BROKERS: env.kafka,
    OPENSEARCH_URL: env.opensearch,
    TXPIPE_TOPIC: testName('txpipe_fresh_topic'),
    TXPIPE_CONSUMER_GROUP: testName('g'),
    TXPIPE_INDEX: index,
    TXPIPE_LOG_LEVEL: 'warn',
  };
  await cli(['migrate'], runEnv);
  const log = new KafkaEventLog(loadConfig(runEnv).kafka!);
  await log.ensureTopic();
  const child = spawn(join(repoRoot, 'src/cli/main.ts'), ['run'], { env: cliEnv(runEnv) });
  let runOut = '';
  let runErr = '';
  child.stdout.on('data', (d: Buffer) => (runOut += d.toString()));
  child.stderr.on('data', (d: Buffer) => (runErr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const groups: Group[] = [];
  let produced = 0;
  let polling = true;
  let lastAck = Date.now();
  try {
    // Wait until the run process has joined (its first idle step recorded) before the clock starts.
    for (let i = 0; i < 300; i++) {
      const r = await client.query('SELECT count(*)::int AS n FROM continuous_runs WHERE steps > 0');
      if (r.rows[0].n > 0) break;
      await sleep(100);
    }
    const poller = (async () => {
      while (polling || groups.some((g) => g.postgresAt === undefined || g.searchAt === undefined)) {
        // Only groups acknowledged before the reads start can be judged by them.
        const known = groups.slice(0, groups.length);
        const rows = (await client.query('SELECT event_hour::text AS h, total_transactions::int AS n FROM hourly_metrics')).rows as {
          h: string;
          n: number;
        }[];
        const pgAt = Date.now();
        const inPg = new Map(rows.map((r) => [`${r.h.replace(' ', 'T')}Z`, r.n]));
        const hours = [...new Set(known.filter((g) => g.searchAt === undefined).map((g) => g.hour))];
        const inSearch = new Map<string, { n: number; at: number }>();
        for (const h of hours) {
          const res = await fetch(`${env.opensearch}/${index}/_doc/${encodeURIComponent(h)}`).catch(() => null);
          if (res?.ok) {
            const n = ((await res.json()) as { _source: { total_transactions: number } })._source.total_transactions;
            inSearch.set(h, { n, at: Date.now() });
          } else await res?.body?.cancel();
        }
        for (const g of known) {
          if (g.postgresAt === undefined && (inPg.get(g.hour) ?? 0) >= g.cumulative) g.postgresAt = pgAt;
          const doc = inSearch.get(g.hour);
          if (g.searchAt === undefined && doc && doc.n >= g.cumulative) g.searchAt = doc.at;
        }
        if (!polling && Date.now() - lastAck > 60_000) break; // never counted: reported below
        await sleep(20);
      }
    })();
    say(`freshness: ${rate} events/s for ${seconds} s into txpipe run`);
    const started = Date.now();
    const perHour = new Map<string, number>();
    const tick = 50;
    while (Date.now() - started < seconds * 1000) {
      const due = Math.floor(((Date.now() - started) / 1000) * rate) - produced;
      if (due > 0) {
        const now = Date.now();
        const lines = Array.from({ length: due }, () => event(now));
        await publishLines(log, lines);
        lastAck = Date.now();
        const hour = hourOf(now);
        const cumulative = (perHour.get(hour) ?? 0) + due;
        perHour.set(hour, cumulative);
        groups.push({ hour, cumulative, size: due, sent: now });
        produced += due;
      }
      await sleep(Math.max(1, tick - ((Date.now() - started) % tick)));
    }
    polling = false;
    await poller;
    const weighted = (pick: (g: Group) => number | undefined) =>
      groups.flatMap((g) => {
        const at = pick(g);
        return at === undefined ? [] : Array<number>(g.size).fill(at - g.sent);
      });
    child.kill('SIGTERM');
    await exited;
    return {
      events: produced,
      seconds,
      rate,
      postgres: weighted((g) => g.postgresAt).sort((a, b) => a - b),
      search: weighted((g) => g.searchAt).sort((a, b) => a - b),
      counted: {
        postgres: groups.filter((g) => g.postgresAt !== undefined).reduce((n, g) => n + g.size, 0),
        search: groups.filter((g) => g.searchAt !== undefined).reduce((n, g) => n + g.size, 0),
      },
      runLine: runOut.trim() || runErr.trim().split('\n').slice(-3).join(' | '),
    } satisfies FreshnessResult;
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await client.end();
    await log.close();
    await fetch(`${env.opensearch}/${index}-*`, { method: 'DELETE' }).catch(() => {});
    await dropDatabase(db).catch(() => {});
  }
}

/** p-th percentile (nearest rank) of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

/** A text histogram of freshness in ms. */
export function histogram(sorted: readonly number[]): string {
  const edges = [100, 250, 500, 1000, 2000, 5000, Number.POSITIVE_INFINITY];
  let from = 0;
  const lines: string[] = [];
  let lo = 0;
  for (const edge of edges) {
    let to = from;
    while (to < sorted.length && sorted[to]! <= edge) to++;
    const share = sorted.length > 0 ? (to - from) / sorted.length : 0;
    const label = edge === Number.POSITIVE_INFINITY ? `> ${lo} ms` : `${lo}–${edge} ms`;
    lines.push(`  ${label.padEnd(14)} ${(share * 100).toFixed(1).padStart(5)} %  ${'#'.repeat(Math.round(share * 50))}`);
    from = to;
    lo = edge;
  }
  return lines.join('\n');
}
