/**
 * SearchIndex: where hourly metrics are indexed for Kibana / OpenSearch Dashboards.
 * Elasticsearch 8/9 or OpenSearch 2/3, each through its official client.
 */

/** One hourly_metrics document. A pure function of the hour's metrics: no wall-clock field. */
export interface HourlyMetricsDoc {
  /** RFC 3339 UTC, e.g. 2026-01-01T13:00:00Z; also the document _id. */
  event_hour: string;
  total_transactions: number;
  total_amount: number;
  late_transactions: number;
  late_ratio: number;
}

export interface BulkFailure {
  id: string;
  status: number;
  reason: string;
}

export interface BulkResult {
  /** Documents written (created or overwritten), or removed. */
  indexed: number;
  /** Per-document failures after retries; a non-empty list fails the task. */
  failures: BulkFailure[];
  /**
   * _ids (event_hour) not written because they are older than the retention horizon
   * (newest event_hour known - retention days). Reported, not failures.
   */
  skipped?: string[];
}

export interface SearchIndex {
  readonly kind: 'elasticsearch' | 'opensearch';
  /** Name the pipeline writes to and dashboards read from (default `hourly_metrics`). */
  readonly name: string;
  /** The cluster's URL for messages (a password in it masked). */
  readonly url: string;
  /** Creates what is missing: index template with the strict mapping, lifecycle policy, alias/index. Idempotent. */
  ensure(): Promise<void>;
  /** Upserts documents by _id = event_hour with the bulk API, retrying 429/5xx with backoff. */
  upsert(docs: readonly HourlyMetricsDoc[]): Promise<BulkResult>;
  /** Removes the documents of these event hours (their metrics rows are gone); a missing one is no failure. */
  remove(eventHours: readonly string[]): Promise<BulkResult>;
  /** Reads every document back, sorted by event_hour (tests, reconcile). */
  readAll(): Promise<HourlyMetricsDoc[]>;
  close(): Promise<void>;
}
