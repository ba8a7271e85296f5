/**
 * What the web server needs from src/observe (alerts and Prometheus metrics), written down here so the
 * routes compile before those modules exist on this branch. src/observe/alerts.ts and
 * src/observe/metrics.ts provide `listAlerts` and `renderMetrics` with exactly these signatures; until
 * they are merged the two placeholders below stand in, and each route module imports one of them in a
 * single line that the merge replaces (see routes/alerts.ts and routes/metrics.ts).
 */
import type { Runtime } from '../runtime.ts';
import type { Queryable } from '../warehouse/port.ts';

/** One alert as the warehouse keeps it (evaluated after each step; open until its condition clears). */
export interface AlertRow {
  id: string | number;
  /** What is watched, e.g. late_ratio, freshness, dead_letter_rate. */
  rule: string;
  state: 'open' | 'resolved';
  /** One human line: what crossed which threshold. */
  message: string;
  /** RFC 3339. */
  opened_at: string;
  /** RFC 3339, or null while open. */
  resolved_at: string | null;
}

export interface ListAlertsOptions {
  state?: 'open' | 'resolved' | 'all';
  limit?: number;
}

export type ListAlerts = (db: Queryable, options: ListAlertsOptions) => Promise<AlertRow[]>;

/** Prometheus text exposition of the pipeline's metrics. */
export type RenderMetrics = (rt: Runtime) => Promise<{ contentType: string; body: string }>;

/** Thrown by a placeholder: the route answers 501 Not Implemented. */
export class NotAvailableError extends Error {
  override name = 'NotAvailableError';
}

/** Placeholder for src/observe/alerts.ts#listAlerts: no alerts module in this build, so no alerts. */
export const listAlertsPlaceholder: ListAlerts = async () => [];

/** Placeholder for src/observe/metrics.ts#renderMetrics: no metrics module in this build. */
export const renderMetricsPlaceholder: RenderMetrics = async () => {
  throw new NotAvailableError('Prometheus metrics are not part of this build (src/observe/metrics.ts is not merged yet)');
};
