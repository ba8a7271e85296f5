/**
 * The data interval one `txpipe task run` records, from what Airflow passes. A run with a logical date
 * (scheduled, backfill, manual with `-l`) brings its interval. A manual run without one (Airflow 3
 * allows it) has no data interval at all: it is recorded under the hour before its run_after (the
 * trigger time), as `txpipe dag run` without --logical-date is. Either way the work follows the hours
 * changed since the last run; only a backfill also recomputes its interval.
 */
import { hourlyInterval, previousHour, type DataInterval } from './data-interval.ts';

export interface TaskIntervalFlags {
  logicalDate?: string;
  dataIntervalEnd?: string;
  /** When the run became due (Airflow's run_after); used only without a logical date. Default: now. */
  runAfter?: string;
}

/** The interval to record; dataIntervalEnd is undefined only for a logical date passed without an end. */
export function taskInterval(flags: TaskIntervalFlags, now = Date.now()): { logicalDate: string; dataIntervalEnd?: string } {
  if (flags.logicalDate !== undefined) return { logicalDate: flags.logicalDate, dataIntervalEnd: flags.dataIntervalEnd };
  const interval: DataInterval = hourlyInterval(previousHour(flags.runAfter === undefined ? now : Date.parse(flags.runAfter)));
  return interval;
}
