/** `txpipe ingest`: topic → raw table `transactions`, in batches, exactly one effect per event. */
import type { Command } from 'commander';
import { runIngest, type IngestTotals } from '../ingest/ingest.ts';
import { commandContext, out, withRuntime } from './context.ts';
import { UsageError } from './errors.ts';
import { intFlag } from './flags.ts';
import { peakRssMB } from '../observe/peak-rss.ts';
import { startWebServer } from '../web/server.ts';

export function registerIngest(program: Command): void {
  program
    .command('ingest')
    .description('consume the topic into the raw table; --until-idle exits once caught up, --follow keeps going')
    .option('--until-idle', 'exit once caught up')
    .option('--follow', 'keep consuming until stopped (SIGINT/SIGTERM finish the current batch)')
    .option('--batch-size <n>', 'records per batch (default TXPIPE_BATCH_SIZE or 10000)', intFlag(1, 100_000))
    .action(async (flags: { untilIdle?: boolean; follow?: boolean; batchSize?: number }) => {
      if (!!flags.untilIdle === !!flags.follow) throw new UsageError('ingest: give exactly one of --until-idle or --follow');
      const ctx = commandContext({ TXPIPE_BATCH_SIZE: flags.batchSize?.toString() });
      await withRuntime(ctx, async (rt) => {
        await rt.log.ensureTopic();
        // Following on the embedded data directory holds it for as long as it runs: serve the local API
        // (and the dashboard), so `status` and the other read-only commands can still answer.
        let consumer = 'starting';
        const api =
          flags.follow && rt.warehouse.kind === 'pglite'
            ? await startWebServer({
                rt,
                host: rt.config.http.host,
                port: rt.config.http.localApiPort,
                token: rt.config.http.token,
                logger: ctx.logger,
                checks: { consumer: async () => consumer },
                recordLocalApi: true,
              })
            : undefined;
        if (api) ctx.logger.info(`local API and dashboard at ${api.url}`);
        let totals: IngestTotals;
        try {
          consumer = 'ok';
          totals = await runIngest({
            warehouse: rt.warehouse,
            log: rt.log,
            group: rt.config.group,
            batchSize: rt.config.batchSize,
            untilIdle: !!flags.untilIdle,
            signal: ctx.signal,
            logger: ctx.logger.child('ingest'),
          });
        } finally {
          consumer = 'stopped';
          await api?.close();
        }
        out(
          `ingested ${totals.received} records in ${totals.seconds.toFixed(2)} s ` +
            `(${Math.round(totals.received / Math.max(totals.seconds, 0.001))}/s, peak RSS ${Math.round(peakRssMB())} MB): ` +
            `${totals.inserted} new rows, ${totals.duplicates} duplicates, ${totals.deadLetters} dead letters, ${totals.alreadyApplied} already applied` +
            (totals.replaced > 0 ? `, ${totals.replaced} rows replaced by earlier deliveries` : '') +
            (totals.restarts > 0 ? `, ${totals.restarts} restarts after outages` : ''),
        );
      });
    });
}
