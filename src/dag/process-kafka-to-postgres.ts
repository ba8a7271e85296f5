/** The seed's DAG: its id, its tasks in order (the seed's three, with the data-quality checks before indexing), and its default schedule. */
import { runTransformations } from '../transform/run-transformations.ts';
import { refreshViews } from '../transform/refresh-views.ts';
import { checkDataQuality } from '../transform/check-data-quality.ts';
import { indexHourlyMetrics } from '../transform/index-hourly-metrics.ts';
import type { TaskFn } from '../transform/task-context.ts';

export { DAG_ID, DEFAULT_SCHEDULE } from './constants.ts';

export const TASKS = [
  { id: 'run_transformations', fn: runTransformations },
  { id: 'refresh_views', fn: refreshViews },
  { id: 'check_data_quality', fn: checkDataQuality },
  { id: 'index_hourly_metrics_to_elasticsearch', fn: indexHourlyMetrics },
] as const satisfies readonly { id: string; fn: TaskFn }[];

export type TaskId = (typeof TASKS)[number]['id'];

export function taskById(id: string): (typeof TASKS)[number] | undefined {
  return TASKS.find((t) => t.id === id);
}
