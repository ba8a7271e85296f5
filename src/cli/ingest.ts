/** `txpipe ingest`: topic → raw table `transactions`, in batches, exactly one effect per event. */
import type { Command } from 'commander';
import { runIngest } from '../ingest/ingest.ts';
import { commandContext, out, withRuntime } from './context.ts';
import { UsageError } from './errors.ts';
import { intFlag } from './flags.ts';
import { peakRssMB } from '../observe/peak-rss.ts';
import { withLocalApi } from './local-api.ts';

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
        const totals = await withLocalApi(rt, ctx, !!flags.follow, () =>
          runIngest({
            ...rt.observer.ingestHooks(rt.warehouse),
            log: rt.log,
            group: rt.config.group,
            batchSize: rt.config.batchSize,
            limits: rt.config.events,
            untilIdle: !!flags.untilIdle,
            signal: ctx.signal,
            logger: ctx.logger.child('ingest'),
          }),
        );
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
