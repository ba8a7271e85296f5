/**
 * Pure document logic shared by both engines: event_hour parsing, the monthly index a document lives
 * in, retention math by event time, and the bulk request body. No client, no clock.
 *
 * Layout: a document lives in the monthly index `<name>-YYYY.MM` of its event_hour (UTC), every monthly
 * index carries the alias `<name>`, and _id = event_hour in canonical RFC 3339 UTC
 * (`2026-01-01T13:00:00Z`). The index is a pure function of event_hour, so a late hour always lands
 * in the same index as its earlier version and overwrites its one document.
 *
 * Retention by event time (deterministic, never the wall clock):
 *   reference = the newest event_hour known: max(newest in the batch being written, newest already indexed)
 *   horizon   = reference - retentionDays * 24h
 *   - a document is written iff event_hour >= horizon; older ones are skipped and reported (not failures);
 *   - a monthly index is deleted iff its whole month is older than the horizon, i.e. the first instant
 *     of the following month is <= horizon (every event_hour it can hold is < horizon).
 * The horizon only moves forward as data does, so a month is never recreated after being pruned.
 */
import type { HourlyMetricsDoc } from './port.ts';
import { HOURLY_METRICS_FIELD_NAMES } from './mapping.ts';

export const DAY_MS = 86_400_000;
/** Maximum documents per bulk request. */
export const BULK_CHUNK_SIZE = 1000;

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Epoch milliseconds of an RFC 3339 timestamp; throws RangeError when it is not one. */
export function parseEventHour(value: string): number {
  const ms = typeof value === 'string' && RFC3339.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new RangeError(`event_hour must be an RFC 3339 timestamp such as 2026-01-01T13:00:00Z, got ${JSON.stringify(value)}`);
  }
  return ms;
}

/** Canonical RFC 3339 UTC form, without milliseconds when they are zero: 2026-01-01T13:00:00Z. */
export function formatEventHour(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** The document _id: event_hour in canonical RFC 3339 UTC. */
export function documentId(eventHour: string): string {
  return formatEventHour(parseEventHour(eventHour));
}

/** `<name>-YYYY.MM` for the UTC month of an epoch-ms instant. */
export function monthlyIndexNameAt(name: string, ms: number): string {
  const d = new Date(ms);
  return `${name}-${String(d.getUTCFullYear()).padStart(4, '0')}.${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** The monthly index a document lives in: `<name>-YYYY.MM` of its event_hour (UTC). */
export function monthlyIndexName(name: string, eventHour: string): string {
  return monthlyIndexNameAt(name, parseEventHour(eventHour));
}

/** The wildcard matching every monthly index of `name` (index template and lifecycle policy pattern). */
export function indexPattern(name: string): string {
  return `${name}-*`;
}

/** The lifecycle (ISM/ILM) policy id for `name`. */
export function retentionPolicyId(name: string): string {
  return `${name}-retention`;
}

export interface IndexMonth {
  year: number;
  /** 1..12 */
  month: number;
  /** First instant of the month, epoch ms UTC. */
  startMs: number;
  /** First instant of the following month, epoch ms UTC (exclusive end). */
  endMs: number;
}

/** The month of a monthly index name, or null when `index` is not exactly `<name>-YYYY.MM`. */
export function parseMonthlyIndexName(name: string, index: string): IndexMonth | null {
  if (!index.startsWith(`${name}-`)) return null;
  const m = /^(\d{4})\.(\d{2})$/.exec(index.slice(name.length + 1));
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  if (month < 1 || month > 12) return null;
  return { year, month, startMs: Date.UTC(year, month - 1, 1), endMs: Date.UTC(year, month, 1) };
}

/** Oldest event time still retained: reference - retentionDays days. */
export function retentionHorizonMs(referenceMs: number, retentionDays: number): number {
  return referenceMs - retentionDays * DAY_MS;
}

/** A document is retained iff its event_hour is at or after the horizon. */
export function isRetained(eventHourMs: number, horizonMs: number): boolean {
  return eventHourMs >= horizonMs;
}

/**
 * The monthly indices of `name` (among `indices`; other names are ignored) whose whole month is older
 * than the horizon: the first instant of the next month is <= horizon. Sorted.
 */
export function expiredMonthlyIndices(name: string, indices: readonly string[], horizonMs: number): string[] {
  return indices
    .filter((index) => {
      const month = parseMonthlyIndexName(name, index);
      return month !== null && month.endMs <= horizonMs;
    })
    .sort();
}

/**
 * Age (days since index creation) at which the ISM/ILM backstop deletes a monthly index:
 * retentionDays + 31. A monthly index is created when the first hour of its month arrives, and its
 * last hours are up to 31 days younger; deleting at retentionDays after creation would drop hours that
 * are still inside the retention window. With +31 days the backstop never deletes an index before
 * txpipe's own event-time rule would (for indices created in real time); indices created late for an
 * old month are pruned by txpipe from event time instead.
 */
export function lifecycleDeleteAfterDays(retentionDays: number): number {
  return retentionDays + 31;
}

/** A copy with exactly the five mapped fields, event_hour canonical (extra properties are dropped). */
export function toIndexedDocument(doc: HourlyMetricsDoc): HourlyMetricsDoc {
  return {
    event_hour: documentId(doc.event_hour),
    total_transactions: doc.total_transactions,
    total_amount: doc.total_amount,
    late_transactions: doc.late_transactions,
    late_ratio: doc.late_ratio,
  };
}

/** A document read back from the index: exactly the five fields from `_source`. */
export function fromSource(source: Record<string, unknown>): HourlyMetricsDoc {
  const doc = {} as Record<string, unknown>;
  for (const field of HOURLY_METRICS_FIELD_NAMES) doc[field] = source[field];
  return doc as unknown as HourlyMetricsDoc;
}

export interface PreparedDoc {
  id: string;
  index: string;
  eventMs: number;
  /** The document to write; absent for a removal (the hour has no metrics any more). */
  doc?: HourlyMetricsDoc;
}

/**
 * Validates and canonicalises a batch: exact five fields, canonical event_hour, one entry per _id
 * (the last occurrence wins, as it would in an ordered bulk request; keeping one makes per-item retries
 * safe), sorted by event_hour. Throws RangeError on an invalid event_hour.
 */
/** Removals of the documents of these hours ('YYYY-MM-DDTHH:00:00Z'), each from its monthly index. */
export function prepareRemovals(name: string, eventHours: readonly string[]): PreparedDoc[] {
  return [...new Set(eventHours)].map((id) => {
    const eventMs = parseEventHour(id);
    return { id, index: monthlyIndexNameAt(name, eventMs), eventMs };
  });
}

export function prepareDocuments(name: string, docs: readonly HourlyMetricsDoc[]): PreparedDoc[] {
  const byId = new Map<string, PreparedDoc>();
  for (const raw of docs) {
    const doc = toIndexedDocument(raw);
    const eventMs = parseEventHour(doc.event_hour);
    byId.delete(doc.event_hour);
    byId.set(doc.event_hour, { id: doc.event_hour, index: monthlyIndexNameAt(name, eventMs), eventMs, doc });
  }
  return [...byId.values()].sort((a, b) => a.eventMs - b.eventMs);
}

export interface RetentionSplit {
  horizonMs: number | null;
  kept: PreparedDoc[];
  skipped: PreparedDoc[];
}

/**
 * Splits prepared documents by the retention horizon computed from
 * reference = max(newest in the batch, newestIndexedMs).
 */
export function splitByRetention(docs: readonly PreparedDoc[], retentionDays: number, newestIndexedMs: number | null): RetentionSplit {
  let reference = newestIndexedMs;
  for (const d of docs) if (reference === null || d.eventMs > reference) reference = d.eventMs;
  if (reference === null) return { horizonMs: null, kept: [...docs], skipped: [] };
  const horizonMs = retentionHorizonMs(reference, retentionDays);
  const kept: PreparedDoc[] = [];
  const skipped: PreparedDoc[] = [];
  for (const d of docs) (isRetained(d.eventMs, horizonMs) ? kept : skipped).push(d);
  return { horizonMs, kept, skipped };
}

export type BulkAction = { index: { _index: string; _id: string } } | { delete: { _index: string; _id: string } };
export type BulkLine = BulkAction | HourlyMetricsDoc;

/** Bulk `index` operations (full overwrite) for prepared documents: action line then document, per doc. */
export function buildBulkOperations(docs: readonly PreparedDoc[]): BulkLine[] {
  const lines: BulkLine[] = [];
  for (const d of docs) {
    if (d.doc) lines.push({ index: { _index: d.index, _id: d.id } }, d.doc);
    else lines.push({ delete: { _index: d.index, _id: d.id } });
  }
  return lines;
}

/** The NDJSON text of bulk operations (what goes over the wire; tests and fakes). */
export function toNdjson(lines: readonly unknown[]): string {
  return `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`;
}

/** Splits into chunks of at most `size` items. */
export function chunk<T>(items: readonly T[], size: number = BULK_CHUNK_SIZE): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunk size must be a positive integer, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
