/**
 * A backfill of process_kafka_to_postgres: one run per hour of [from, to), oldest first, each recomputing
 * the hours with raw rows in its data interval from those rows (run type `backfill`). A failed run does not
 * stop the backfill; an aborted signal stops it between runs. The result holds every run's outcome.
 */
import { HOUR_MS, hourStartMs, hourlyInterval } from './data-interval.ts';
import { runDag, type DagDeps, type DagRunResult } from './runner.ts';

/** A guard against a mistyped year: five years of hourly runs. */
export const BACKFILL_MAX_HOURS = 24 * 366 * 5;

/** [from, to) holds no hour (`empty`) or more than BACKFILL_MAX_HOURS (`too-long`). */
export class BackfillRangeError extends RangeError {
  override name = 'BackfillRangeError';
  readonly problem: 'empty' | 'too-long';
  constructor(problem: 'empty' | 'too-long', message: string) {
    super(message);
    this.problem = problem;
  }
}

export interface BackfillOptions {
  /** First logical date (inclusive, ISO 8601); rounded down to its hour. */
  from: string;
  /** End (exclusive, ISO 8601). */
  to: string;
  retries: number;
  retryDelayMs: number;
  /** Aborting stops the backfill before its next run. */
  signal?: AbortSignal;
  /** Called after each run, in order (the CLI prints a line per run). */
  onRun?: (result: DagRunResult) => void;
}

export interface BackfillResult {
  /** Every run started, in order. */
  runs: DagRunResult[];
  /** How many of them did not succeed. */
  failed: number;
}

/** The hour starts (epoch ms) a backfill of [from, to) runs for; throws BackfillRangeError for a range it refuses. */
export function backfillHours(from: string, to: string): { first: number; end: number } {
  const first = hourStartMs(Date.parse(from));
  const end = Date.parse(to);
  if (!(end > first)) throw new BackfillRangeError('empty', `backfill: to (${to}) must be after from (${from})`);
  if ((end - first) / HOUR_MS > BACKFILL_MAX_HOURS) throw new BackfillRangeError('too-long', 'backfill: at most five years at a time');
  return { first, end };
}

export async function backfillDag(deps: DagDeps, o: BackfillOptions): Promise<BackfillResult> {
  const { first, end } = backfillHours(o.from, o.to);
  const runs: DagRunResult[] = [];
  let failed = 0;
  for (let t = first; t < end && !o.signal?.aborted; t += HOUR_MS) {
    const interval = hourlyInterval(new Date(t).toISOString());
    const result = await runDag(deps, {
      ...interval,
      runType: 'backfill',
      recompute: { from: interval.logicalDate, to: interval.dataIntervalEnd },
      retries: o.retries,
      retryDelayMs: o.retryDelayMs,
    });
    runs.push(result);
    if (result.state !== 'success') failed++;
    o.onRun?.(result);
  }
  return { runs, failed };
}
