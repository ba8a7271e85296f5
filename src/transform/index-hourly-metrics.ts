/**
 * index_hourly_metrics_to_elasticsearch: sends the hourly_metrics rows whose values changed since the
 * last successful index, as deterministic documents (_id = event hour). An hour leaves the queue only
 * after the search engine accepted it, so a failed or retried task re-sends it, and a rerun rewrites the
 * same documents. While the latest run of the data-quality checks has a failed `error` check, nothing is
 * sent (see check-data-quality.ts).
 */
import { sql } from '../sql.ts';
import { toRfc3339 } from '../events/timestamp.ts';
import { atSearch } from '../search/where.ts';
import type { BulkFailure, HourlyMetricsDoc, SearchIndex } from '../search/port.ts';
import { errorStatus, isRetryableError } from '../search/bulk.ts';
import type { HourlyMetricsRow } from './hourly-metrics.ts';
import type { TaskContext, TaskSummary } from './task-context.ts';
import { readHold } from '../quality/results.ts';

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

function sampleOf(failures: readonly BulkFailure[]): string {
  return failures
    .slice(0, 3)
    .map((f) => `${f.id}: ${f.status} ${f.reason}`)
    .join('; ');
}

export class IndexingError extends Error {
  override name = 'IndexingError';
}

/**
 * A call to the engine whose failure to reach it at all (refused, reset, timed out: no HTTP answer)
 * names the engine: the client's own message ("read ECONNRESET", "socket hang up") does not say which
 * server it could not reach. The client's error stays as the cause.
 */
async function atEngine<T>(search: SearchIndex, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (errorStatus(err) !== undefined || !isRetryableError(err)) throw err;
    throw new IndexingError(`${atSearch(search, 'cannot reach')}: ${(err as Error).message}`, { cause: err });
  }
}

export async function indexHourlyMetrics(ctx: TaskContext): Promise<TaskSummary> {
  if (!ctx.search) {
    const reason = 'no search engine configured (set ELASTICSEARCH_URL or OPENSEARCH_URL); hourly_metrics stays in PostgreSQL';
    ctx.logger.info(`skipped: ${reason}`);
    return { skipped: reason };
  }
  const hold = await readHold(ctx.warehouse);
  if (hold) {
    // The documents keep their last good values until a run of the checks passes its error checks again.
    const reason = `held back: data-quality check(s) ${hold.failed.join(', ')} failed in run ${hold.runId} (txpipe quality)`;
    ctx.logger.info(`skipped: ${reason}`);
    return { skipped: reason };
  }
  const search = ctx.search;
  // Template, policy and retention before the first write; a run with nothing to send calls nothing.
  let ensured = false;
  const ready = async () => {
    if (!ensured) await atEngine(search, () => search.ensure());
    ensured = true;
  };
  let indexed = 0;
  let removed = 0;
  for (;;) {
    const gone = (await ctx.warehouse.query<{ event_hour: string }>(sql('transform/index_pending_removals'), [CHUNK])).map((r) => r.event_hour);
    if (gone.length === 0) break;
    await ready();
    const result = await atEngine(search, () => search.remove(gone.map(toRfc3339)));
    if (result.failures.length > 0)
      throw new IndexingError(`${result.failures.length} document removal(s) refused by ${search.kind} (${sampleOf(result.failures)})`);
    await ctx.warehouse.query(sql('transform/index_done_hours'), [gone]);
    removed += gone.length;
  }
  for (;;) {
    const rows = await ctx.warehouse.query<HourlyMetricsRow>(sql('transform/index_pending_metrics'), [CHUNK]);
    if (rows.length === 0) break;
    await ready();
    const result = await atEngine(search, () => search.upsert(rows.map(toDocument)));
    if (result.failures.length > 0)
      throw new IndexingError(`${result.failures.length} document(s) rejected by ${search.kind} (${sampleOf(result.failures)})`);
    await ctx.warehouse.query(sql('transform/index_done_hours'), [rows.map((r) => r.event_hour)]);
    indexed += rows.length;
    if (rows.length < CHUNK) break;
  }
  ctx.logger.info(
    `indexed ${indexed} hourly_metrics document(s) into ${search.kind} ${search.name}${removed > 0 ? `, removed ${removed} of emptied hours` : ''}`,
  );
  return removed > 0 ? { indexed, removed } : { indexed };
}
