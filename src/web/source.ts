/**
 * What the dashboard, the API and the read-only commands (`status`, `metrics hourly`, `dag runs`,
 * `dead-letters list/show`) read, behind one interface with two implementations: the database itself
 * (databaseSource), or the HTTP API of the process that holds the embedded data directory
 * (remote-source.ts), which answers from its own databaseSource. So a command prints the same
 * whichever way it got its answer.
 */
import { readRecentRuns, type RecordedRun } from '../dag/run-history.ts';
import type { Runtime } from '../runtime.ts';
import { readResults, type StoredResult } from '../quality/results.ts';
import { readStatus, type Status } from '../status.ts';
import { readHourlyLatency, readHourlyMetrics, type HourlyLatencyRow, type HourlyMetricsRow, type HourRange } from '../transform/hourly-metrics.ts';
import {
  readDeadLetter,
  readDeadLetters,
  type DeadLetter,
  type DeadLetterKey,
  type DeadLetterQuery,
  type DeadLetterSummary,
} from './dead-letters.ts';

export interface ReadSource {
  /** Where the answers come from, for messages: "the database", or a process's local API. */
  readonly origin: string;
  status(): Promise<Status>;
  /** hourly_metrics rows with event_hour in [from, to), sorted. */
  hourlyMetrics(range: HourRange): Promise<HourlyMetricsRow[]>;
  /** Latency percentiles per event hour in [from, to), sorted. */
  hourlyLatency(range: HourRange): Promise<HourlyLatencyRow[]>;
  /** The DAG's most recent runs, newest first. */
  runs(o: { limit: number }): Promise<RecordedRun[]>;
  /** Dead letters newest first. */
  deadLetters(q: DeadLetterQuery): Promise<DeadLetterSummary[]>;
  /** One dead letter whole, or null when there is none at that position. */
  deadLetter(key: DeadLetterKey): Promise<DeadLetter | null>;
  /** The data-quality results of one run, or of the latest run of the checks; [] when none. */
  quality(o: { runId?: string }): Promise<StoredResult[]>;
}

export function databaseSource(rt: Runtime): ReadSource {
  return {
    origin: 'the database',
    status: () => readStatus(rt),
    hourlyMetrics: (range) => readHourlyMetrics(rt.warehouse, range),
    hourlyLatency: (range) => readHourlyLatency(rt.warehouse, range),
    runs: (o) => readRecentRuns(rt.warehouse, o),
    deadLetters: (q) => readDeadLetters(rt.warehouse, q),
    deadLetter: (key) => readDeadLetter(rt.warehouse, key),
    quality: (o) => readResults(rt.warehouse, o.runId),
  };
}
