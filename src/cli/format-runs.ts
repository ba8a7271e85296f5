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

export function formatRunsTable(runs: RecordedRun[]): string {
  if (runs.length === 0) return 'no runs yet';
  return table(
    ['run_id', 'state', 'started_at', 'seconds', 'tasks'],
    runs.map((r) => [
      r.run_id,
      r.state,
      r.started_at,
      r.duration_seconds.toFixed(2),
      r.tasks.map((t) => `${t.task_id}:${t.state}${t.try_number > 1 ? `#${t.try_number}` : ''} ${t.duration_seconds.toFixed(2)}s`).join(', '),
    ]),
  );
}
