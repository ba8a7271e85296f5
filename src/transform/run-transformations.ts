/**
 * run_transformations: cleans the raw rows ingest stored since the last run, found by the log ranges
 * each batch recorded (late arrivals and displaced deliveries included: an id cleaned before is replaced),
 * and records per hour what that changed (metrics_deltas) for refresh_views; it also recomputes whole
 * the hours a backfill queued, or every hour with --full-refresh, and queues those for refresh_views.
 * Its cost follows the new rows, not the size of the hours they fall in. One transaction, one snapshot: a
 * crash leaves the ranges and hours queued for the next run.
 */
import { sql } from '../sql.ts';
import type { Queryable } from '../warehouse/port.ts';
import type { TaskContext, TaskSummary } from './task-context.ts';

/** Log ranges [first, next) per partition, as three parallel arrays (the SQL's parameters). */
interface Ranges {
  partitions: number[];
  firsts: string[];
  nexts: string[];
  /** Whether a batch in the range displaced stored rows. */
  replaces: boolean[];
}

async function claimRanges(tx: Queryable): Promise<Ranges> {
  const rows = await tx.query<{ log_partition: number; first_offset: string; next_offset: string; replaces: boolean }>(
    sql('transform/claim_changed_ranges'),
  );
  return {
    partitions: rows.map((r) => r.log_partition),
    firsts: rows.map((r) => r.first_offset),
    nexts: rows.map((r) => r.next_offset),
    replaces: rows.map((r) => r.replaces),
  };
}

async function hoursOf(tx: Queryable, name: string, params: unknown[] = []): Promise<string[]> {
  return (await tx.query<{ event_hour: string }>(sql(name), params)).map((r) => r.event_hour);
}

export async function runTransformations(ctx: TaskContext): Promise<TaskSummary> {
  return ctx.warehouse.transaction(
    async (tx) => {
      // The planner cannot know how few rows a log range holds, and a cost estimate past jit_above_cost
      // made PostgreSQL spend ~0.7 s compiling a statement that runs in milliseconds.
      await tx.exec(sql('transform/no_jit'));
      if (ctx.fullRefresh) {
        // The same definition over every raw row: a full refresh and the incremental runs give identical tables.
        await tx.exec(sql('transform/full_refresh_reset'));
        await tx.query(sql('transform/clean_insert_all'));
        const hours = await hoursOf(tx, 'transform/all_clean_hours');
        if (hours.length > 0) await tx.query(sql('transform/queue_metrics_hours'), [hours]);
        const [count] = await tx.query<{ n: string }>(sql('transform/clean_count_all'));
        ctx.logger.info(`rebuilt transactions_clean from every raw row (${count?.n ?? 0} rows, ${hours.length} hours) [full refresh]`);
        return { hours: hours.length, rows: Number(count?.n ?? 0), first_hour: hours[0], last_hour: hours.at(-1) };
      }
      let rows = 0;
      const ranges = await claimRanges(tx);
      if (ranges.partitions.length > 0) {
        const params = [ranges.partitions, ranges.firsts, ranges.nexts];
        // Only a batch that displaced stored rows brings ids with a clean row already (under one snapshot,
        // nothing else can have cleaned a row of an unclaimed range).
        const replacing = ranges.partitions.map((_, i) => i).filter((i) => ranges.replaces[i]);
        if (replacing.length > 0) {
          const pick = <T>(xs: T[]) => replacing.map((i) => xs[i]!);
          await tx.query(sql('transform/clean_remove_ranges'), [pick(ranges.partitions), pick(ranges.firsts), pick(ranges.nexts)]);
        }
        const [added] = await tx.query<{ n: string }>(sql('transform/clean_insert_ranges'), params);
        rows += Number(added?.n ?? 0);
      }
      // Hours a backfill asked to recompute from the raw rows, after the new rows (so both agree).
      const hours = await hoursOf(tx, 'transform/claim_changed_hours');
      if (hours.length > 0) {
        await tx.query(sql('transform/clean_delete_hours'), [hours]);
        await tx.query(sql('transform/clean_insert_hours'), [hours]);
        await tx.query(sql('transform/queue_metrics_hours'), [hours]);
        const [count] = await tx.query<{ n: string }>(sql('transform/clean_count_hours'), [hours]);
        rows += Number(count?.n ?? 0);
      }
      ctx.logger.info(`cleaned ${rows} row(s): ${ranges.partitions.length} log range(s) of new rows, ${hours.length} hour(s) recomputed`);
      return { ranges: ranges.partitions.length, rows, hours: hours.length, first_hour: hours[0], last_hour: hours.at(-1) };
      // One snapshot for every statement: a batch committing meanwhile is neither claimed nor cleaned, by
      // any statement, so it stays whole for the next run.
    },
    { isolation: 'repeatable read' },
  );
}
