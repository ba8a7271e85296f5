/** The recorded history of process_kafka_to_postgres: runs newest first, each with its tasks' last tries. */
import { sql } from '../sql.ts';
import type { Queryable } from '../warehouse/port.ts';
import type { TaskSummary } from '../transform/task-context.ts';
import { DAG_ID } from './constants.ts';

/** A task's last try within a run, as recorded in task_runs. */
export interface RecordedTask {
  task_id: string;
  state: string;
  try_number: number;
  started_at: string;
  ended_at: string | null;
  duration_seconds: number;
  error: string | null;
  /** What the task returned (counters such as hours, rows, indexed), or null for a failed try. */
  summary: TaskSummary | null;
}

/** One run, as recorded in dag_runs, with its tasks in the order they started. */
export interface RecordedRun {
  run_id: string;
  dag_id: string;
  logical_date: string;
  run_type: string;
  full_refresh: boolean;
  state: string;
  started_at: string;
  ended_at: string | null;
  error: string | null;
  /** Until now for a run still going. */
  duration_seconds: number;
  tasks: RecordedTask[];
}

/** The `limit` most recent runs of the DAG, newest first. */
export async function readRecentRuns(db: Queryable, o: { limit: number; dagId?: string }): Promise<RecordedRun[]> {
  return db.query<RecordedRun>(sql('dag/recent_runs'), [o.dagId ?? DAG_ID, o.limit]);
}
