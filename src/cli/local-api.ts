/**
 * A long-running command on the embedded data directory holds it for as long as it runs: it serves the
 * local API (and the dashboard) there, so `status` and the other read-only commands of other shells can
 * still answer (they ask it instead of failing with "in use"). On PostgreSQL nothing is held: no server,
 * unless a port is asked for (`run --port`), so that Prometheus can scrape this process's counters.
 */
import type { ObservedRuntime } from '../observe/observer.ts';
import { startWebServer } from '../web/server.ts';
import type { CommandContext } from './context.ts';

/**
 * Runs `fn` with the local API up when `following` on PGlite, or with the server on `port` when one is
 * given (any warehouse); `consumer` is /readyz's consumer check.
 */
export async function withLocalApi<T>(rt: ObservedRuntime, ctx: CommandContext, following: boolean, fn: () => Promise<T>, port?: number): Promise<T> {
  let consumer = 'starting';
  const api =
    port !== undefined || (following && rt.warehouse.kind === 'pglite')
      ? await startWebServer({
          rt,
          host: rt.config.http.host,
          port: port ?? rt.config.http.localApiPort,
          token: rt.config.http.token,
          logger: ctx.logger,
          checks: { consumer: async () => consumer },
          recordLocalApi: rt.warehouse.kind === 'pglite',
        })
      : undefined;
  if (api) ctx.logger.info(`${port === undefined ? 'local API and dashboard' : 'dashboard, API and /metrics'} at ${api.url}`);
  try {
    consumer = 'ok';
    return await fn();
  } finally {
    consumer = 'stopped';
    await api?.close();
  }
}
