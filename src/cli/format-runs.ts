/** Human output for DAG runs. */
import type { DagRunResult } from '../dag/runner.ts';
import type { RecordedRun } from '../dag/run-history.ts';
import { table } from './table.ts';

export function formatRunLine(r: DagRunResult): string {
  const tasks = r.tasks
    .map(
      (t) => `${t.taskId}=${t.state}${t.tries > 1 ? `(${t.tries} tries)` : ''}${t.summary && !t.summary.skipped ? ` ${summaryText(t.summary)}` : ''}`,
    )
    .join(', ');
  return `${r.runId}: ${r.state} in ${r.seconds.toFixed(2)} s${tasks ? ` [${tasks}]` : ''}${r.error ? ` error: ${r.error}` : ''}`;
}

function summaryText(s: Record<string, unknown>): string {
  return Object.entries(s)
    .filter(([, v]) => typeof v === 'number')
    .map(([k, v]) => `${k}:${v}`)
    .join(' ');
}

/**
 * The data-quality outcome of a run: `pass`, `warn (n)` when warn checks failed, `fail: names` when error
 * checks failed (indexing held back), `-` when the checks did not run. A failed try records no summary;
 * its error names the failed checks as `name (observed …`.
 */
export function qualityCell(r: RecordedRun): string {
  const task = r.tasks.find((t) => t.task_id === 'check_data_quality');
  if (!task || task.state === 'running') return '-';
  if (task.state === 'failed') {
    const names = [...(task.error ?? '').matchAll(/(\w+) \(observed /g)].map((m) => m[1]);
    return names.length > 0 ? `fail: ${names.join(',')}` : 'error';
  }
  const warned = Number(task.summary?.warned ?? 0);
  return warned > 0 ? `warn (${warned})` : 'pass';
}

export function formatRunsTable(runs: RecordedRun[]): string {
  if (runs.length === 0) return 'no runs yet';
  return table(
    ['run_id', 'state', 'started_at', 'seconds', 'quality', 'tasks'],
    runs.map((r) => [
      r.run_id,
      r.state,
      r.started_at,
      r.duration_seconds.toFixed(2),
      qualityCell(r),
      r.tasks.map((t) => `${t.task_id}:${t.state}${t.try_number > 1 ? `#${t.try_number}` : ''} ${t.duration_seconds.toFixed(2)}s`).join(', '),
    ]),
  );
}
