/**
 * refresh_views: brings hourly_metrics (and the latency buckets beside it) up to date. The changes
 * run_transformations recorded for new rows are added as they are (deltas: exact counts and NUMERIC
 * sums, so they give what recomputing the hour would); the hours it recomputed whole (backfills, or all
 * with --full-refresh) are re-aggregated from transactions_clean. Exactly the hours whose metrics
 * changed, or that lost their last row, are queued for indexing.
 */
import { sql } from '../sql.ts';
import type { TaskContext, TaskSummary } from './task-context.ts';

export async function refreshViews(ctx: TaskContext): Promise<TaskSummary> {
  return ctx.warehouse.transaction(async (tx) => {
    const hoursOf = async (name: string, params: unknown[] = []) =>
      (await tx.query<{ event_hour: string }>(sql(name), params)).map((r) => r.event_hour);
    let recompute = await hoursOf('transform/claim_metrics_hours');
    if (ctx.fullRefresh) {
      // The same SQL over every hour, into empty tables: every hour counts as changed, so the index is
      // rewritten from the same deterministic documents.
      await tx.exec(sql('transform/metrics_truncate'));
      recompute = await hoursOf('transform/all_clean_hours');
    }
    const fromDeltas = await hoursOf('transform/metrics_apply_deltas', [recompute]);
    const emptied = fromDeltas.length > 0 ? await hoursOf('transform/metrics_delete_zero_hours', [fromDeltas]) : [];
    let recomputed: string[] = [];
    if (recompute.length > 0) {
      recomputed = await hoursOf('transform/metrics_upsert_hours', [recompute]);
      await tx.query(sql('transform/latency_delete_hours'), [recompute]);
      await tx.query(sql('transform/latency_insert_hours'), [recompute]);
      // An hour left without rows loses its metrics row; its document goes too (queued like a change).
      recomputed.push(...(await hoursOf('transform/metrics_delete_empty_hours', [recompute])));
    }
    const changed = [...new Set([...fromDeltas, ...emptied, ...recomputed])];
    if (changed.length > 0) {
      await tx.query(sql('transform/queue_index_hours'), [changed]);
      // check_data_quality checks exactly these hours (steps of txpipe run queue them too).
      await tx.query(sql('quality/queue_hours'), [changed]);
    }
    ctx.logger.info(
      `refreshed hourly_metrics: ${fromDeltas.length} hour(s) from new rows, ${recompute.length} recomputed${ctx.fullRefresh ? ' [full refresh]' : ''}; ${changed.length} changed`,
    );
    return { hours: fromDeltas.length + recompute.length, changed: changed.length };
  });
}
