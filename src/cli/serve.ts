/**
 * `txpipe serve`: the dashboard, the JSON API, /metrics, /healthz and /readyz, until stopped. On the
 * embedded data directory it holds the directory like any command, and records itself there so that
 * `status`, `metrics hourly`, `dag runs` and `dead-letters` from other shells ask it.
 */
import type { Command } from 'commander';
import { DataDirInUseError } from '../warehouse/pglite/data-dir-lock.ts';
import { findLocalApi } from '../web/local-api.ts';
import { startWebServer } from '../web/server.ts';
import { commandContext, out, withRuntime } from './context.ts';
import { intFlag } from './flags.ts';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve the dashboard and the JSON API (/api/, /api/openapi.json), /metrics, /healthz and /readyz until stopped')
    .option('--port <n>', 'port to listen on, 0 for any free one (default TXPIPE_HTTP_PORT or 8080)', intFlag(0, 65_535))
    .option('--host <address>', 'interface to listen on (default TXPIPE_HTTP_HOST or 127.0.0.1)')
    .action(async (flags: { port?: number; host?: string }) => {
      const ctx = commandContext({ TXPIPE_HTTP_PORT: flags.port?.toString(), TXPIPE_HTTP_HOST: flags.host });
      try {
        await withRuntime(ctx, async (rt) => {
          const server = await startWebServer({ rt, ...ctx.config.http, logger: ctx.logger, recordLocalApi: true });
          out(`serving the dashboard at ${server.url} (API: ${server.url}api/openapi.json); Ctrl-C stops`);
          await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
          await server.close();
        });
      } catch (err) {
        // The directory's holder already serves all of this: say where, rather than only "in use".
        const api = err instanceof DataDirInUseError ? await findLocalApi(ctx.config.dataDir) : null;
        if (api) throw new DataDirInUseError(`${err instanceof Error ? err.message : err}; that process serves the dashboard at ${api.url}`);
        throw err;
      }
    });
}
