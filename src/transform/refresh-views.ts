/**
 * refresh_views: re-aggregates hourly_metrics for the hours run_transformations rebuilt (or all of them
 * with --full-refresh) and queues for indexing exactly the hours whose metrics changed.
 */
import { sql } from '../sql.ts';
import type { TaskContext, TaskSummary } from './task-context.ts';

export async function refreshViews(ctx: TaskContext): Promise<TaskSummary> {
  return ctx.warehouse.transaction(async (tx) => {
    const hours = (await tx.query<{ event_hour: string }>(sql('transform/claim_metrics_hours'))).map((r) => r.event_hour);
    let changed: string[];
    if (ctx.fullRefresh) {
      await tx.exec(sql('transform/metrics_truncate'));
      // After a full refresh every hour is re-sent: the index is rebuilt from the same deterministic documents.
      changed = (await tx.query<{ event_hour: string }>(sql('transform/metrics_insert_all'))).map((r) => r.event_hour);
    } else if (hours.length > 0) {
      changed = (await tx.query<{ event_hour: string }>(sql('transform/metrics_upsert_hours'), [hours])).map((r) => r.event_hour);
      await tx.query(sql('transform/metrics_delete_empty_hours'), [hours]);
    } else {
      changed = [];
    }
    if (changed.length > 0) await tx.query(sql('transform/queue_index_hours'), [changed]);
    ctx.logger.info(`refreshed hourly_metrics for ${ctx.fullRefresh ? 'all' : hours.length} hour(s), ${changed.length} changed`);
    return { hours: ctx.fullRefresh ? changed.length : hours.length, changed: changed.length };
  });
}
