/**
 * What every command shares: the validated configuration, a logger (TXPIPE_LOG_LEVEL, TXPIPE_LOG_FORMAT;
 * on stderr), the runtime opened on demand with its observer (metrics, alerts) and closed at the end,
 * and Ctrl-C / SIGTERM turned into an AbortSignal so that long commands stop cleanly.
 */
import { loadConfig, type Config } from '../config.ts';
import { createLogger, type Logger } from '../observe/logger.ts';
import { redact, registerSecrets, secretsOf } from '../observe/redact.ts';
import { observe, type ObservedRuntime } from '../observe/observer.ts';
import { openLog, openRuntime, type OpenMode, type Runtime } from '../runtime.ts';
import type { EventLog } from '../log/port.ts';
import { DataDirInUseError } from '../warehouse/pglite/data-dir-lock.ts';
import { findLocalApi } from '../web/local-api.ts';
import { remoteSource } from '../web/remote-source.ts';
import { databaseSource, type ReadSource } from '../web/source.ts';

export interface CommandContext {
  config: Config;
  logger: Logger;
  signal: AbortSignal;
}

/** Loads config (env with per-command overrides); a bad value throws ConfigError before anything opens. */
export function commandContext(overrides: Record<string, string | undefined> = {}): CommandContext {
  const env = { ...process.env };
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) env[k] = v;
  // Before anything can fail and print: the configured secrets are masked in every line from here on.
  registerSecrets(secretsOf(env));
  const config = loadConfig(env);
  const logger = createLogger(config.logLevel, 'txpipe', undefined, config.logFormat);
  const controller = new AbortController();
  const stop = (sig: string) => {
    if (controller.signal.aborted) {
      logger.warn(`${sig} again: exiting now`);
      process.exit(130);
    }
    logger.info(`${sig}: finishing the current batch, then stopping (again to force)`);
    controller.abort();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  return { config, logger, signal: controller.signal };
}

/**
 * Opens the runtime for `fn`, with its observer as `rt.observer` (so `runDag(rt, …)` reports runs and
 * evaluates alerts), and closes it after the webhook deliveries under way have finished or used their
 * tries: a short command does not cut its alerts off.
 */
export async function withRuntime<T>(ctx: CommandContext, fn: (rt: ObservedRuntime) => Promise<T>, mode: OpenMode = 'write'): Promise<T> {
  const opened = await openRuntime(ctx.config, ctx.logger, mode);
  const rt: ObservedRuntime = Object.assign(opened, { observer: observe(opened) });
  try {
    return await fn(rt);
  } finally {
    try {
      await rt.observer.settle();
    } finally {
      await rt.close();
    }
  }
}

/**
 * For the commands that only publish (`generate`, `produce`): the topic alone when it is Kafka, so no
 * warehouse opens (a container without DATABASE_URL would otherwise create a throwaway PGlite database
 * per call, about 1 GB and seconds each); the embedded log lives in the warehouse, so it opens one.
 */
export async function withTopic<T>(ctx: CommandContext, fn: (log: EventLog) => Promise<T>): Promise<T> {
  if (!ctx.config.kafka) return withRuntime(ctx, (rt) => fn(rt.log));
  const log = await openLog(ctx.config, undefined, ctx.logger);
  try {
    return await fn(log);
  } finally {
    await log.close();
  }
}

/**
 * For the read-only commands: the database as it is (never created or migrated: NoDataError), or, when another process holds the embedded data directory
 * and serves its local API, that process (the same answers, so the same output).
 */
export async function withReadSource<T>(ctx: CommandContext, fn: (source: ReadSource) => Promise<T>): Promise<T> {
  let rt: Runtime;
  try {
    rt = await openRuntime(ctx.config, ctx.logger, 'read');
  } catch (err) {
    const api = err instanceof DataDirInUseError ? await findLocalApi(ctx.config.dataDir) : null;
    if (!api) throw err;
    ctx.logger.debug(`${err instanceof Error ? err.message : err}: asking its local API at ${api.url}`);
    return fn(remoteSource(api.url, { token: ctx.config.http.token, origin: `process ${api.pid} (holding ${ctx.config.dataDir}) at ${api.url}` }));
  }
  try {
    return await fn(databaseSource(rt));
  } finally {
    await rt.close();
  }
}

/** Writes command output (stdout), never log lines. */
export function out(text: string): void {
  // status, dag runs and the rest print stored texts (errors, URLs): masked as log lines are.
  process.stdout.write(redact(text.endsWith('\n') ? text : `${text}\n`));
}
