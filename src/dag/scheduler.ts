/**
 * The built-in scheduler: runs process_kafka_to_postgres on a cron schedule (croner, UTC) until aborted.
 * A tick at T runs the data interval [previous tick, T), as Airflow does; ticks that come while a run is
 * still going are skipped (and the advisory lock guards against other schedulers).
 */
import { Cron } from 'croner';
import { runDag, type DagDeps, type DagRunResult } from './runner.ts';

export interface ScheduleOptions {
  schedule: string;
  retries: number;
  retryDelayMs: number;
  signal: AbortSignal;
  onRun?: (result: DagRunResult) => void;
}

/** Validates a schedule (cron with optional seconds, or @hourly/@daily/…); throws with croner's reason. */
export function parseSchedule(schedule: string): Cron {
  return new Cron(schedule, { timezone: 'UTC', paused: true });
}

export async function scheduleDag(deps: DagDeps, o: ScheduleOptions): Promise<void> {
  const log = deps.logger.child('scheduler');
  let running: Promise<unknown> = Promise.resolve();
  const job = new Cron(o.schedule, { timezone: 'UTC', protect: true }, async (self: Cron) => {
    const tick = self.currentRun() ?? new Date();
    const previous = self.previousRuns(1, new Date(tick.getTime() - 1))[0] ?? tick;
    const run = runDag(deps, {
      logicalDate: previous.toISOString(),
      dataIntervalEnd: tick.toISOString(),
      runType: 'scheduled',
      retries: o.retries,
      retryDelayMs: o.retryDelayMs,
    }).then(
      (result) => o.onRun?.(result),
      (err: unknown) => log.error(`run failed to start: ${(err as Error).message}`),
    );
    running = run;
    await run;
  });
  log.info(`schedule "${o.schedule}" (UTC); next run at ${job.nextRun()?.toISOString() ?? 'never'}`);
  await new Promise<void>((resolve) => {
    if (o.signal.aborted) resolve();
    o.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  job.stop();
  await running;
}
