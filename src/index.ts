/**
 * txpipe's public surface: what a program embedding the pipeline imports (`import { … } from 'txpipe'`).
 * Everything listed here is API; every other module under src/ is inside and may change shape without
 * notice (the byte-level fast path, the write thread, the adapters, SQL file names, the CLI).
 *
 * The usual sequence: loadConfig() → openRuntime() → runIngest() / runDag() → readHourlyMetrics(),
 * readStatus(), reconcile() → runtime.close().
 */

// Settings and the opened pipeline (warehouse, topic, search index).
export { loadConfig, ConfigError } from './config.ts';
export type { Config, DashboardsSettings, KafkaSettings, SearchSettings } from './config.ts';
export { openRuntime } from './runtime.ts';
export type { Runtime } from './runtime.ts';
export { createLogger } from './observe/logger.ts';
export type { Level, Logger } from './observe/logger.ts';
export { MigrationError } from './warehouse/migrate.ts';
export { DataDirInUseError } from './warehouse/pglite/data-dir-lock.ts';

// The ports: what any warehouse, topic or search engine adapter provides.
export type { OpenWriterOptions, Queryable, Tx, Warehouse, Writer, WriterModule, WriterSpec } from './warehouse/port.ts';
export type {
  AppendRecord,
  AppendResult,
  ConsumeOptions,
  EventLog,
  LogBatch,
  LogRecord,
  PartitionLag,
  RecordSink,
  Subscription,
} from './log/port.ts';
export { collectRecords } from './log/port.ts';
export { publishLines } from './log/publish.ts';
export type { BulkFailure, BulkResult, HourlyMetricsDoc, SearchIndex } from './search/port.ts';

// Events: the synthetic generator and the reference validator.
export { generateEvents, defaultStart } from './events/generator.ts';
export type { GenerateOptions } from './events/generator.ts';
export { validateEvent } from './events/event.ts';
export { keyedRecord, transactionKey } from './events/event-key.ts';
export type { RawRow, Validation } from './events/event.ts';

// Ingest: topic → raw table, exactly one effect per event.
export { runIngest } from './ingest/ingest.ts';
export type { IngestOptions, IngestTotals } from './ingest/ingest.ts';
export type { BatchOutcome } from './ingest/write-batch.ts';

// The DAG process_kafka_to_postgres: its tasks, runs, backfills, schedule and history.
export { DAG_ID, DEFAULT_SCHEDULE } from './dag/constants.ts';
export { TASKS } from './dag/process-kafka-to-postgres.ts';
export type { TaskId } from './dag/process-kafka-to-postgres.ts';
export { runDag, runTask } from './dag/runner.ts';
export type { DagDeps, DagRunResult, RunOptions, RunType, TaskOutcome, TaskRunOptions } from './dag/runner.ts';
export { backfillDag, BackfillRangeError, BACKFILL_MAX_HOURS } from './dag/backfill.ts';
export type { BackfillOptions, BackfillResult } from './dag/backfill.ts';
export { scheduleDag } from './dag/scheduler.ts';
export type { ScheduleOptions } from './dag/scheduler.ts';
export { readRecentRuns } from './dag/run-history.ts';
export type { RecordedRun, RecordedTask } from './dag/run-history.ts';
export { runTransformations } from './transform/run-transformations.ts';
export { refreshViews } from './transform/refresh-views.ts';
export { checkDataQuality, QualityCheckError } from './transform/check-data-quality.ts';
export type { CheckResult } from './quality/checks.ts';
export type { QualitySettings } from './quality/settings.ts';
export { indexHourlyMetrics, IndexingError } from './transform/index-hourly-metrics.ts';
export type { TaskContext, TaskFn, TaskSummary } from './transform/task-context.ts';

// What the pipeline produced, and the proof that nothing was lost or doubled.
export { readHourlyLatency, readHourlyMetrics } from './transform/hourly-metrics.ts';
export type { HourlyLatencyRow, HourlyMetricsRow, HourRange } from './transform/hourly-metrics.ts';
export { readStatus } from './status.ts';
export type { Status } from './status.ts';
export { reconcile, reconcileAll, formatReconciliation } from './reconcile.ts';
export type { FullReconciliation, Reconciliation } from './reconcile.ts';
