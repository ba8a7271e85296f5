import type { Warehouse } from '../warehouse/port.ts';
import type { SearchIndex } from '../search/port.ts';
import type { Logger } from '../observe/logger.ts';
import type { QualitySettings } from '../quality/settings.ts';

/** What a task of process_kafka_to_postgres gets: the same for the built-in runner and for Airflow. */
export interface TaskContext {
  warehouse: Warehouse;
  /** Undefined when no search engine is configured: the index task is skipped. */
  search?: SearchIndex;
  logger: Logger;
  /** Rebuild everything instead of the changed hours. */
  fullRefresh: boolean;
  /** Start of the run's data interval (ISO). Recorded; the work itself follows the changed hours. */
  logicalDate: string;
  /** The DAG run the task belongs to (undefined in txpipe run's continuous steps). */
  runId?: string;
  /** The data-quality checks' settings (default: DEFAULT_QUALITY). */
  quality?: QualitySettings;
}

/** A task's result: counters for the run history, or why it was skipped. */
export type TaskSummary = { skipped?: string } & Record<string, number | string | undefined>;

export type TaskFn = (ctx: TaskContext) => Promise<TaskSummary>;
