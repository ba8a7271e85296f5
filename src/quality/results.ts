/** Stored check results (quality_results), per run and check, and the indexing hold they imply. */
import { sql } from '../sql.ts';
import type { Queryable } from '../warehouse/port.ts';
import type { CheckResult } from './checks.ts';
import { CHECK_NAMES, type CheckName, type CheckStatus, type Severity } from './settings.ts';

export interface StoredResult {
  run_id: string;
  name: CheckName;
  severity: Severity;
  status: CheckStatus;
  observed: number | null;
  threshold: string;
  detail: string | null;
  /** How many event hours that run checked. */
  hours: number;
  checked_at: string;
}

export async function recordResults(db: Queryable, runId: string, hours: number, results: readonly CheckResult[]): Promise<void> {
  await db.query(sql('quality/record_results'), [
    runId,
    hours,
    results.map((r) => r.name),
    results.map((r) => r.severity),
    results.map((r) => r.status),
    results.map((r) => r.observed),
    results.map((r) => r.threshold),
    results.map((r) => r.detail ?? null),
  ]);
}

/** One run's results (the latest run's without runId), in the checks' order; [] when there are none. */
export async function readResults(db: Queryable, runId?: string): Promise<StoredResult[]> {
  const rows = await db.query<Omit<StoredResult, 'name' | 'checked_at'> & { check_name: CheckName; checked_at: string | Date }>(
    sql('quality/results'),
    [runId ?? null],
  );
  return rows
    .map(({ check_name, checked_at, ...r }) => ({ ...r, name: check_name, checked_at: new Date(checked_at).toISOString() }))
    .sort((a, b) => CHECK_NAMES.indexOf(a.name) - CHECK_NAMES.indexOf(b.name));
}

/** The `error` checks that failed in the latest run of the checks, or undefined when indexing may go on. */
export async function readHold(db: Queryable): Promise<{ runId: string; failed: string[] } | undefined> {
  const [row] = await db.query<{ run_id: string; failed: string[] }>(sql('quality/hold'));
  return row ? { runId: row.run_id, failed: row.failed } : undefined;
}

/** When the checks last ran, ISO, or undefined. */
export async function previousCheck(db: Queryable): Promise<string | undefined> {
  const [row] = await db.query<{ checked_at: string | Date | null }>(sql('quality/previous_check'));
  return row?.checked_at ? new Date(row.checked_at).toISOString() : undefined;
}

/** Counts by status, for summaries (`txpipe status`, the task's summary). */
export function countByStatus(results: readonly { status: CheckStatus }[]): Record<CheckStatus, number> {
  const out: Record<CheckStatus, number> = { pass: 0, warn: 0, fail: 0 };
  for (const r of results) out[r.status]++;
  return out;
}
