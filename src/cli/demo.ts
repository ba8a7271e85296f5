/**
 * `txpipe demo`: everything in one process on the embedded default: the generator at a steady rate,
 * ingest following the topic, the DAG on a short schedule, and a live view of progress and the latest
 * hourly metrics, until Ctrl-C (or --duration).
 */
import type { Command } from 'commander';
import { generateEvents } from '../events/generator.ts';
import { runIngest } from '../ingest/ingest.ts';
import { scheduleDag } from '../dag/scheduler.ts';
import { readStatus, statusText } from '../status.ts';
import type { Runtime } from '../runtime.ts';
import { commandContext, out, withRuntime } from './context.ts';
import { intFlag, numberFlag, ratioFlag } from './flags.ts';
import { readHourlyMetrics } from '../transform/hourly-metrics.ts';
import { metricsTable } from './format-metrics.ts';
import { throttler } from './generate.ts';
import { formatRunLine } from './format-runs.ts';
import { createLogger, type Logger } from '../observe/logger.ts';
import { publishLines } from '../log/publish.ts';
import { startWebServer, type WebServer } from '../web/server.ts';

interface Flags {
  rate: number;
  schedule: string;
  duration?: number;
  lateRatio: number;
  duplicateRatio: number;
  invalidRatio: number;
  port?: number;
  host?: string;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('generator + ingest + DAG in one process on the embedded default, with a live view, until Ctrl-C')
    .option('--rate <events_per_s>', 'generated events per second', numberFlag(1, 100_000), 50)
    .option('--schedule <cron>', 'DAG schedule (6-field cron allowed)', '*/10 * * * * *')
    .option('--duration <s>', 'stop after this many seconds', intFlag(1, 31_536_000))
    .option('--late-ratio <r>', 'share of late events', ratioFlag, 0.05)
    .option('--duplicate-ratio <r>', 'share of re-sent events', ratioFlag, 0.02)
    .option('--invalid-ratio <r>', 'share of malformed messages', ratioFlag, 0.01)
    .option(
      '--port <n>',
      'dashboard port, 0 for any free one (default TXPIPE_HTTP_PORT or 8080; a busy default falls back to a free one)',
      intFlag(0, 65_535),
    )
    .option('--host <address>', 'dashboard interface (default TXPIPE_HTTP_HOST or 127.0.0.1)')
    .action(async (flags: Flags) => {
      const base = commandContext({ TXPIPE_HTTP_PORT: flags.port?.toString(), TXPIPE_HTTP_HOST: flags.host });
      // The live view owns the terminal: log lines go to a short in-memory tail shown under it.
      const tail: string[] = [];
      const interactive = !!process.stdout.isTTY;
      const logger = interactive
        ? createLogger(base.config.logLevel, 'txpipe', (l) => {
            tail.push(l.slice(11));
            if (tail.length > 6) tail.shift();
          })
        : base.logger;
      const ctx = { ...base, logger };
      await withRuntime(ctx, async (rt) => {
        await rt.log.ensureTopic();
        // The duration counts from a ready pipeline: opening PGlite and migrating take seconds of their own.
        if (flags.duration) setTimeout(() => process.kill(process.pid, 'SIGINT'), flags.duration * 1000).unref();
        const server = await serveDashboard(rt, flags.port === undefined && process.env.TXPIPE_HTTP_PORT === undefined, logger);
        out(`dashboard: ${server.url}`);
        const tasks = [
          produceForever(rt, flags, ctx.signal),
          runIngest({
            warehouse: rt.warehouse,
            log: rt.log,
            group: rt.config.group,
            batchSize: rt.config.batchSize,
            untilIdle: false,
            signal: ctx.signal,
            logger: logger.child('ingest'),
          }),
          scheduleDag(rt, {
            schedule: flags.schedule,
            retries: rt.config.taskRetries,
            retryDelayMs: rt.config.retryDelayMs,
            signal: ctx.signal,
            onRun: (r) => logger.info(formatRunLine(r)),
          }),
        ];
        const view = liveView(rt, interactive, tail, ctx.signal, server.url);
        try {
          await Promise.all([...tasks, view]);
        } finally {
          await server.close();
        }
        out(statusText(await readStatus(rt)));
        out(metricsTable((await readHourlyMetrics(rt.warehouse)).slice(-8)));
      });
    });
}

/** The dashboard and local API on the configured port; a busy default port (not one asked for) gives way to a free one. */
async function serveDashboard(rt: Runtime, portIsDefault: boolean, logger: Logger): Promise<WebServer> {
  const options = { rt, ...rt.config.http, logger, recordLocalApi: true };
  try {
    return await startWebServer(options);
  } catch (err) {
    if (!portIsDefault || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    logger.warn(`port ${options.port} is in use: serving the dashboard on a free port instead`);
    return startWebServer({ ...options, port: 0 });
  }
}

async function produceForever(rt: Runtime, flags: Flags, signal: AbortSignal): Promise<void> {
  const events = generateEvents({
    count: Number.MAX_SAFE_INTEGER,
    seed: Date.now() % 2 ** 32, // a new stream each demo: the same seed would repeat transaction_ids
    start: Date.now(),
    eventsPerHour: Math.round(flags.rate * 3600),
    lateRatio: flags.lateRatio,
    duplicateRatio: flags.duplicateRatio,
    invalidRatio: flags.invalidRatio,
  });
  const throttle = throttler(flags.rate, signal);
  const chunk = Math.max(1, Math.ceil(flags.rate / 5));
  let sent = 0;
  while (!signal.aborted) {
    const batch: string[] = [];
    for (let i = 0; i < chunk; i++) batch.push(events.next().value as string);
    await publishLines(rt.log, batch);
    sent += batch.length;
    await throttle(sent);
  }
}

async function liveView(rt: Runtime, interactive: boolean, tail: string[], signal: AbortSignal, url: string): Promise<void> {
  const every = interactive ? 1000 : 5000;
  while (!signal.aborted) {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, every);
      signal.addEventListener(
        'abort',
        () => {
          clearTimeout(t);
          resolve();
        },
        { once: true },
      );
    });
    if (signal.aborted) break;
    const s = await readStatus(rt);
    if (interactive) {
      const rows = (await readHourlyMetrics(rt.warehouse)).slice(-8);
      process.stdout.write(
        '\x1b[2J\x1b[H' +
          'txpipe demo: generator → topic → ingest → DAG process_kafka_to_postgres (Ctrl-C to stop)\n' +
          `dashboard: ${url}\n\n` +
          statusText(s) +
          '\n\nlatest hourly_metrics\n' +
          metricsTable(rows) +
          '\n\n' +
          tail.join('\n') +
          '\n',
      );
    } else {
      out(
        `demo: raw ${s.raw_transactions}, clean ${s.clean_transactions}, hours ${s.hourly_metrics}, dead letters ${s.dead_letters}, duplicates ${s.duplicates}, lag ${s.consumer.lag}, last run ${s.last_dag_run?.state ?? 'none'}`,
      );
    }
  }
}
