/**
 * run_transformations: rebuilds transactions_clean for the event hours that received raw rows since the
 * last run (late arrivals for old hours included), or for every hour with --full-refresh, and queues those
 * hours for refresh_views. One transaction: a crash leaves the hours queued for the next run.
 */
import { sql } from '../sql.ts';
import type { TaskContext, TaskSummary } from './task-context.ts';

export async function runTransformations(ctx: TaskContext): Promise<TaskSummary> {
  return ctx.warehouse.transaction(async (tx) => {
    const claimed = (await tx.query<{ event_hour: string }>(sql('transform/claim_changed_hours'))).map((r) => r.event_hour);
    // A full refresh is the same SQL over every hour, so both give identical tables.
    let hours = claimed;
    if (ctx.fullRefresh) {
      await tx.exec(sql('transform/clean_truncate'));
      hours = (await tx.query<{ event_hour: string }>(sql('transform/all_raw_hours'))).map((r) => r.event_hour);
    } else if (hours.length > 0) {
      await tx.query(sql('transform/clean_delete_hours'), [hours]);
    }
    if (hours.length > 0) {
      await tx.query(sql('transform/clean_insert_hours'), [hours]);
      await tx.query(sql('transform/queue_metrics_hours'), [hours]);
    }
    const [count] = await tx.query<{ n: string }>(sql('transform/clean_count_hours'), [hours]);
    ctx.logger.info(`rebuilt ${hours.length} hour(s) of transactions_clean (${count?.n ?? 0} rows)${ctx.fullRefresh ? ' [full refresh]' : ''}`);
    return { hours: hours.length, rows: Number(count?.n ?? 0), first_hour: hours[0], last_hour: hours.at(-1) };
  });
}
