/**
 * index_hourly_metrics_to_elasticsearch: sends the hourly_metrics rows whose values changed since the
 * last successful index, as deterministic documents (_id = event hour). An hour leaves the queue only
 * after the search engine accepted it, so a failed or retried task re-sends it, and a rerun rewrites the
 * same documents.
 */
import { sql } from '../sql.ts';
import { toRfc3339 } from '../events/timestamp.ts';
import type { HourlyMetricsDoc } from '../search/port.ts';
import type { HourlyMetricsRow } from './hourly-metrics.ts';
import type { TaskContext, TaskSummary } from './task-context.ts';

const CHUNK = 5000;

export function toDocument(r: HourlyMetricsRow): HourlyMetricsDoc {
  return {
    event_hour: toRfc3339(r.event_hour),
    total_transactions: Number(r.total_transactions),
    total_amount: Number(r.total_amount),
    late_transactions: Number(r.late_transactions),
    late_ratio: r.late_ratio,
  };
}

export class IndexingError extends Error {
  override name = 'IndexingError';
}

export async function indexHourlyMetrics(ctx: TaskContext): Promise<TaskSummary> {
  if (!ctx.search) {
    const reason = 'no search engine configured (set ELASTICSEARCH_URL or OPENSEARCH_URL); hourly_metrics stays in PostgreSQL';
    ctx.logger.info(`skipped: ${reason}`);
    return { skipped: reason };
  }
  const search = ctx.search;
  await search.ensure();
  await ctx.warehouse.exec(sql('transform/index_drop_orphans'));
  let indexed = 0;
  for (;;) {
    const rows = await ctx.warehouse.query<HourlyMetricsRow>(sql('transform/index_pending_metrics'), [CHUNK]);
    if (rows.length === 0) break;
    const result = await search.upsert(rows.map(toDocument));
    if (result.failures.length > 0) {
      const sample = result.failures
        .slice(0, 3)
        .map((f) => `${f.id}: ${f.status} ${f.reason}`)
        .join('; ');
      throw new IndexingError(`${result.failures.length} document(s) rejected by ${search.kind} (${sample})`);
    }
    await ctx.warehouse.query(sql('transform/index_done_hours'), [rows.map((r) => r.event_hour)]);
    indexed += rows.length;
    if (rows.length < CHUNK) break;
  }
  ctx.logger.info(`indexed ${indexed} hourly_metrics document(s) into ${search.kind} ${search.name}`);
  return { indexed };
}
