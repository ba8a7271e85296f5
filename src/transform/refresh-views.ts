/**
 * refresh_views: re-aggregates hourly_metrics for the hours run_transformations rebuilt (or all of them
 * with --full-refresh) and queues for indexing exactly the hours whose metrics changed.
 */
import { sql } from '../sql.ts';
import type { TaskContext, TaskSummary } from './task-context.ts';

export async function refreshViews(ctx: TaskContext): Promise<TaskSummary> {
  return ctx.warehouse.transaction(async (tx) => {
    let hours = (await tx.query<{ event_hour: string }>(sql('transform/claim_metrics_hours'))).map((r) => r.event_hour);
    if (ctx.fullRefresh) {
      // The same SQL over every hour, into an empty table: every hour counts as changed, so the
      // index is rewritten from the same deterministic documents.
      await tx.exec(sql('transform/metrics_truncate'));
      hours = (await tx.query<{ event_hour: string }>(sql('transform/all_clean_hours'))).map((r) => r.event_hour);
    }
    let changed: string[] = [];
    if (hours.length > 0) {
      changed = (await tx.query<{ event_hour: string }>(sql('transform/metrics_upsert_hours'), [hours])).map((r) => r.event_hour);
      // An hour left without rows loses its metrics row; its document goes too (queued like a change).
      const emptied = await tx.query<{ event_hour: string }>(sql('transform/metrics_delete_empty_hours'), [hours]);
      changed.push(...emptied.map((r) => r.event_hour));
    }
    if (changed.length > 0) await tx.query(sql('transform/queue_index_hours'), [changed]);
    ctx.logger.info(`refreshed hourly_metrics for ${hours.length} hour(s)${ctx.fullRefresh ? ' [full refresh]' : ''}, ${changed.length} changed`);
    return { hours: hours.length, changed: changed.length };
  });
}
