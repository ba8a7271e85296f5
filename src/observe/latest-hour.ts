/**
 * The newest event hour counted in hourly_metrics (the current hour while events flow) and how old its
 * newest event is: the freshness that /metrics reports and the freshness alert checks.
 */
import { sql } from '../sql.ts';
import { toRfc3339 } from '../events/timestamp.ts';
import type { Queryable } from '../warehouse/port.ts';

export interface LatestHour {
  /** RFC 3339 UTC. */
  event_hour: string;
  total_transactions: number;
  late_ratio: number;
  /** The newest event_time counted in it, RFC 3339 UTC (null only if all its events are dated after now). */
  newest_event_time: string | null;
  /** now − newest_event_time, in seconds, never negative. */
  freshness_seconds: number | null;
}

/** Null while hourly_metrics holds no hour up to now. `now` is ISO 8601; null = the database's clock. */
export async function readLatestHour(db: Queryable, now: string | null = null): Promise<LatestHour | null> {
  const [row] = await db.query<Omit<LatestHour, 'total_transactions'> & { total_transactions: string }>(sql('metrics/latest_hour'), [now]);
  if (!row) return null;
  return {
    ...row,
    total_transactions: Number(row.total_transactions),
    newest_event_time: row.newest_event_time === null ? null : toRfc3339(row.newest_event_time),
  };
}
