/** `txpipe run`: ingest and continuous transformations in one long-running process (src/run/run.ts). */
import type { Command } from 'commander';
import { runPipeline } from '../run/run.ts';
import type { StepTotals } from '../run/continuous-steps.ts';
import { peakRssMB } from '../observe/peak-rss.ts';
import { commandContext, out, withRuntime } from './context.ts';
import { intFlag } from './flags.ts';
import { withLocalApi } from './local-api.ts';

/** Mean milliseconds a step spent waiting for the DAG lock and in each task. */
function stepBreakdown(t: StepTotals): string {
  const ms = (s: number) => (t.steps > 0 ? ((s / t.steps) * 1000).toFixed(1) : '0');
  const p = t.phases;
  return `a step ${ms(t.seconds)} ms on average: lock ${ms(p.lock)}, run_transformations ${ms(p.run_transformations)}, refresh_views ${ms(p.refresh_views)}, index ${ms(p.index_hourly_metrics_to_elasticsearch)}`;
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('ingest continuously and keep transactions_clean, hourly_metrics and the search index seconds old, until SIGINT/SIGTERM')
    .option('--until-idle', 'exit once caught up, after a last step (default: follow until stopped)')
    .option('--batch-size <n>', 'records per batch (default TXPIPE_BATCH_SIZE or 10000)', intFlag(1, 100_000))
    .option('--port <n>', "also serve the dashboard, the API and this process's /metrics on this port (0: any free one)", intFlag(0, 65_535))
    .action(async (flags: { batchSize?: number; untilIdle?: boolean; port?: number }) => {
      const ctx = commandContext({ TXPIPE_BATCH_SIZE: flags.batchSize?.toString() });
      await withRuntime(ctx, async (rt) => {
        const { ingest, steps } = await withLocalApi(
          rt,
          ctx,
          !flags.untilIdle,
          () =>
            runPipeline({
              ...rt.observer.runHooks(rt.warehouse),
              log: rt.log,
              search: rt.search,
              group: rt.config.group,
              batchSize: rt.config.batchSize,
              limits: rt.config.events,
              untilIdle: !!flags.untilIdle,
              signal: ctx.signal,
              logger: ctx.logger,
            }),
          flags.port,
        );
        out(
          `run: ingested ${ingest.received} records (${ingest.inserted} new rows, ${ingest.duplicates} duplicates, ${ingest.deadLetters} dead letters) ` +
            `in ${ingest.seconds.toFixed(1)} s; ${steps.steps} continuous steps (${steps.rowsCleaned} rows cleaned, ${steps.documentsIndexed} documents indexed, ` +
            `${steps.errors} failed; ${stepBreakdown(steps)}); peak RSS ${Math.round(peakRssMB())} MB`,
        );
      });
    });
}
