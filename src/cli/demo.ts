/**
 * `txpipe demo`: everything in one process on the embedded default: the generator at a steady rate,
 * `txpipe run` (ingest, and the continuous steps that keep hourly_metrics seconds old), the DAG on a
 * short schedule beside it, the alert rules evaluated every few seconds (and after each run), and a
 * live view of progress, open alerts and the latest hourly metrics, until Ctrl-C (or --duration).
 */
import type { Command } from 'commander';
import { generateEvents } from '../events/generator.ts';
import { runPipeline } from '../run/run.ts';
import { scheduleDag } from '../dag/scheduler.ts';
import { readStatus, statusText } from '../status.ts';
import type { ObservedRuntime } from '../observe/observer.ts';
import { listAlerts, type AlertRow } from '../observe/alerts.ts';
import { commandContext, out, withRuntime } from './context.ts';
import { intFlag, numberFlag, ratioFlag } from './flags.ts';
import { readHourlyMetrics } from '../transform/hourly-metrics.ts';
import { metricsTable } from './format-metrics.ts';
import { throttler } from './generate.ts';
import { formatRunLine } from './format-runs.ts';
import { createLogger, type Logger } from '../observe/logger.ts';
import { startWebServer, type WebServer } from '../web/server.ts';
import { publishLines } from '../log/publish.ts';

/** How often the demo evaluates the alert rules besides after each DAG run. */
const ALERT_EVERY_MS = 5000;

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
    .description('generator + txpipe run + the DAG in one process on the embedded default, with a live view, until Ctrl-C')
    .option('--rate <events_per_s>', 'generated events per second', numberFlag(1, 100_000), 50)
    .option('--schedule <cron>', 'DAG schedule (6-field cron allowed)', '0 * * * * *')
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
            // `[2026-11-27T02:40:00.123Z] INFO: …` shows as `02:40:00 INFO: …`
            tail.push(l.replace(/^\[\d{4}-\d\d-\d\dT(\d\d:\d\d:\d\d)\.\d+Z\]/, '$1'));
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
          // txpipe run: ingest, and after each batch the continuous steps keep hourly_metrics seconds old.
          runPipeline({
            ...rt.observer.runHooks(rt.warehouse),
            log: rt.log,
            search: rt.search,
            group: rt.config.group,
            batchSize: rt.config.batchSize,
            limits: rt.config.events,
            signal: ctx.signal,
            logger,
          }),
          // The hourly DAG beside it, on a short schedule so the demo shows its runs too.
          scheduleDag(rt, {
            schedule: flags.schedule,
            retries: rt.config.taskRetries,
            retryDelayMs: rt.config.retryDelayMs,
            signal: ctx.signal,
            onRun: (r) => logger.info(formatRunLine(r)),
          }),
          evaluateAlertsEvery(rt, ALERT_EVERY_MS, ctx.signal),
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
async function serveDashboard(rt: ObservedRuntime, portIsDefault: boolean, logger: Logger): Promise<WebServer> {
  const options = { rt, ...rt.config.http, logger, recordLocalApi: true };
  try {
    return await startWebServer(options);
  } catch (err) {
    if (!portIsDefault || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    logger.warn(`port ${options.port} is in use: serving the dashboard on a free port instead`);
    return startWebServer({ ...options, port: 0 });
  }
}

async function produceForever(rt: ObservedRuntime, flags: Flags, signal: AbortSignal): Promise<void> {
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

/** Resolves after `ms`, or at once when the signal aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
}

/** The alert rules, continuously: a failed evaluation (the warehouse busy or gone) is logged and retried at the next tick. */
async function evaluateAlertsEvery(rt: ObservedRuntime, ms: number, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    await pause(ms, signal);
    if (signal.aborted) break;
    try {
      await rt.observer.evaluateAlerts();
    } catch (err) {
      rt.logger.child('alerts').warn(`evaluation failed: ${(err as Error).message}`);
    }
  }
}

function alertsText(alerts: AlertRow[]): string {
  if (alerts.length === 0) return 'open alerts         none';
  return [
    `open alerts         ${alerts.length}`,
    ...alerts.slice(0, 3).map((a) => `  ${a.rule} ${a.key}: ${a.value.toFixed(a.rule === 'freshness' ? 0 : 4)} > ${a.threshold}`),
  ].join('\n');
}

async function liveView(rt: ObservedRuntime, interactive: boolean, tail: string[], signal: AbortSignal, url: string): Promise<void> {
  const every = interactive ? 1000 : 5000;
  while (!signal.aborted) {
    await pause(every, signal);
    if (signal.aborted) break;
    const s = await readStatus(rt);
    const alerts = await listAlerts(rt.warehouse, { state: 'open' });
    if (interactive) {
      const rows = (await readHourlyMetrics(rt.warehouse)).slice(-8);
      process.stdout.write(
        '\x1b[2J\x1b[H' +
          'txpipe demo: generator → topic → ingest → DAG process_kafka_to_postgres (Ctrl-C to stop)\n' +
          `dashboard: ${url}\n\n` +
          statusText(s) +
          '\n' +
          alertsText(alerts) +
          '\n\nlatest hourly_metrics\n' +
          metricsTable(rows) +
          '\n\n' +
          tail.join('\n') +
          '\n',
      );
    } else {
      out(
        `demo: raw ${s.raw_transactions}, clean ${s.clean_transactions}, hours ${s.hourly_metrics}, dead letters ${s.dead_letters}, duplicates ${s.duplicates}, lag ${s.consumer.lag}, last run ${s.last_dag_run?.state ?? 'none'}, open alerts ${alerts.length}`,
      );
    }
  }
}
