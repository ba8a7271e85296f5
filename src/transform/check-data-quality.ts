/**
 * check_data_quality: runs the data-quality checks (src/quality) on the hours whose data changed since
 * they last passed (queued by refresh_views, in DAG runs and in txpipe run's steps alike), or on every
 * hour with --full-refresh, and stores one result per check under the run. A failed `error` check fails
 * the task, so the run's indexing does not happen (documents keep their last good values), its hours
 * stay queued for the next run, and the index task holds back (for txpipe run's steps too) until a run
 * of the checks passes again. `warn` failures are recorded and do not stop anything.
 */
import { sql } from '../sql.ts';
import { runChecks } from '../quality/checks.ts';
import { countByStatus, previousCheck, recordResults } from '../quality/results.ts';
import { DEFAULT_QUALITY } from '../quality/settings.ts';
import type { TaskContext, TaskSummary } from './task-context.ts';

/** A failed `error` check: not retried (the same data gives the same answer). */
export class QualityCheckError extends Error {
  override name = 'QualityCheckError';
  readonly retryable = false;
}

export async function checkDataQuality(ctx: TaskContext): Promise<TaskSummary> {
  const settings = ctx.quality ?? DEFAULT_QUALITY;
  const runId = ctx.runId ?? `adhoc__${new Date().toISOString()}`;
  const { summary, failed } = await ctx.warehouse.transaction(
    async (tx) => {
      const hoursOf = async (name: string) => (await tx.query<{ event_hour: string }>(sql(name))).map((r) => r.event_hour);
      const hours = await hoursOf(ctx.fullRefresh ? 'transform/all_clean_hours' : 'quality/pending_hours');
      const since = ctx.fullRefresh ? undefined : await previousCheck(tx);
      const results = await runChecks(tx, settings, { hours, deadLettersSince: since });
      await recordResults(tx, runId, hours.length, results);
      const failed = results.filter((r) => r.status === 'fail');
      // Held hours stay queued (a full refresh queues every hour it checked), so the next run checks them again.
      if (hours.length > 0) await tx.query(sql(failed.length > 0 ? 'quality/queue_hours' : 'quality/done_hours'), [hours]);
      const counts = countByStatus(results);
      return {
        summary: { hours: hours.length, checks: results.length, passed: counts.pass, warned: counts.warn, failed: counts.fail },
        failed,
      };
    },
    { isolation: 'repeatable read' },
  );
  const warned = summary.warned > 0 ? `, ${summary.warned} warned` : '';
  if (failed.length > 0) {
    const names = failed.map((r) => `${r.name} (observed ${r.observed}; ${r.threshold})`).join(', ');
    throw new QualityCheckError(`${failed.length} error check(s) failed on ${summary.hours} hour(s), indexing held back: ${names}`);
  }
  ctx.logger.info(
    `${summary.checks} data-quality checks on ${summary.hours} hour(s): ${summary.passed} passed${warned}${ctx.fullRefresh ? ' [full refresh]' : ''}`,
  );
  return summary;
}
