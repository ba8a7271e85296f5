/**
 * The hourly data intervals of manual runs and backfills, as ISO 8601 UTC with milliseconds (the form run
 * ids are made from). A scheduled run takes its interval from its cron ticks instead (scheduler.ts).
 */
export const HOUR_MS = 3_600_000;

export interface DataInterval {
  /** Start of the interval, inclusive. */
  logicalDate: string;
  /** End of the interval, exclusive. */
  dataIntervalEnd: string;
}

/** [logicalDate, logicalDate + 1 h). */
export function hourlyInterval(logicalDate: string): DataInterval {
  return { logicalDate, dataIntervalEnd: new Date(Date.parse(logicalDate) + HOUR_MS).toISOString() };
}

/** The start of the hour before `now`: the data interval a run at `now` covers by default. */
export function previousHour(now = Date.now()): string {
  return new Date(hourStartMs(now) - HOUR_MS).toISOString();
}

/** Epoch milliseconds of the start of the UTC hour holding `ms`. */
export function hourStartMs(ms: number): number {
  return Math.floor(ms / HOUR_MS) * HOUR_MS;
}
