/**
 * `txpipe reconcile`: proves after the fact that every stage agrees with the one before it.
 *
 * - consumed_records: every record consumed from the topic ended as exactly one raw row, dead letter or
 *   counted duplicate: the records below the stored positions (counted in the log itself) must equal
 *   raw rows + dead letters + duplicates (`reconcile`).
 * - transactions_clean: every raw row has exactly its clean row, and no clean row lacks its raw row;
 * - hourly_metrics: every hour's row is the aggregate of that hour's clean rows, and no row lacks them;
 * - search_documents (with a search engine): every document equals its hourly_metrics row, and no
 *   document lacks one.
 *
 * The expected values are written in sql/reconcile/ from the seed's definitions, never by calling the
 * transform SQL they check. Hours the DAG has not processed yet (still in changed_hours,
 * metrics_pending_hours, index_pending_hours) are not differences: each check reports them as pending.
 */
import { sql } from './sql.ts';
import { toJsonInstant } from './events/timestamp.ts';
import type { Runtime } from './runtime.ts';
import { readConsumerOffsets } from './warehouse/consumer-offsets.ts';
import type { Queryable } from './warehouse/port.ts';
import type { HourlyMetricsDoc, SearchIndex } from './search/port.ts';
import { atSearch } from './search/where.ts';
import { DAG_ID } from './dag/process-kafka-to-postgres.ts';
import { TRANSFORM_LOCK } from './dag/runner.ts';
import { withAdvisoryLockWaiting } from './warehouse/advisory-wait.ts';

export interface Reconciliation {
  topic: string;
  group: string;
  consumed: number;
  raw_transactions: number;
  dead_letters: number;
  duplicates: number;
  accounted: number;
  balanced: boolean;
  /** False when the log dropped its oldest records (retention): the proof then covers fewer records. */
  complete: boolean;
  partitions: { partition: number; position: string; records: number }[];
}

export async function reconcile(rt: Pick<Runtime, 'warehouse' | 'log' | 'config'>): Promise<Reconciliation> {
  const positions = await readConsumerOffsets(rt.warehouse, { group: rt.config.group, topic: rt.log.topic });
  const counts = await rt.log.countBefore(positions);
  const [c] = await rt.warehouse.query<{ raw_transactions: string; dead_letters: string; duplicates: string }>(sql('status/reconcile'), [
    rt.log.topic,
  ]);
  const consumed = counts.reduce((n, p) => n + Number(p.records), 0);
  const raw = Number(c!.raw_transactions);
  const dead = Number(c!.dead_letters);
  const dupes = Number(c!.duplicates);
  return {
    topic: rt.log.topic,
    group: rt.config.group,
    consumed,
    raw_transactions: raw,
    dead_letters: dead,
    duplicates: dupes,
    accounted: raw + dead + dupes,
    balanced: consumed === raw + dead + dupes,
    complete: counts.every((p) => p.complete),
    partitions: counts.map((p) => ({ partition: p.partition, position: (positions.get(p.partition) ?? 0n).toString(), records: Number(p.records) })),
  };
}

export type CheckName = 'consumed_records' | 'transactions_clean' | 'hourly_metrics' | 'search_documents';

/** One thing that does not agree. Hours are RFC 3339 UTC, values as exact text where they are NUMERIC. */
export interface Difference {
  /** missing: expected and absent; unexpected: present and not expected; mismatch: present with other values; duplicate: twice. */
  kind: 'missing' | 'unexpected' | 'mismatch' | 'duplicate';
  event_hour?: string;
  transaction_id?: string;
  /** mismatch: the columns (or document fields) that differ. */
  columns?: string[];
  /** What the check computed (mismatch: only the differing columns; missing: the whole row). */
  expected?: Record<string, unknown>;
  /** What the table or index holds (mismatch: only the differing columns; unexpected: the whole row). */
  found?: Record<string, unknown>;
}

export interface Check {
  name: CheckName;
  /** What is compared with what. */
  compares: string;
  ok: boolean;
  /** How many differences there are; `differences` lists the first MAX_LISTED_DIFFERENCES. */
  difference_count: number;
  differences: Difference[];
  /** Hours queued for the DAG and not processed yet: not compared, so never differences. */
  pending_hours: number;
  /** search_documents: hours older than the retention horizon, which the index need not hold. */
  outside_retention_hours?: number;
  /** Why the check did not run (no search engine configured). */
  skipped?: string;
}

export interface FullReconciliation extends Reconciliation {
  /** Every check passed. */
  ok: boolean;
  /** consumed_records first, then each stage against the one before it. */
  checks: Check[];
}

export const MAX_LISTED_DIFFERENCES = 20;

export interface ReconcileOptions {
  /** How long to wait for a running DAG run to finish before comparing the index (ms). */
  lockWaitMs?: number;
}

const COMPARES: Record<CheckName, string> = {
  consumed_records: 'consumed records = raw rows + dead letters + duplicates',
  transactions_clean: 'transactions_clean against transactions, row by row',
  hourly_metrics: 'hourly_metrics against the hourly aggregate of transactions_clean',
  search_documents: 'search documents against hourly_metrics',
};

/** All four checks; `ok` is false when any fails. */
export async function reconcileAll(
  rt: Pick<Runtime, 'warehouse' | 'log' | 'config' | 'search'>,
  options: ReconcileOptions = {},
): Promise<FullReconciliation> {
  const balance = await reconcile(rt);
  const first: Check = {
    name: 'consumed_records',
    compares: COMPARES.consumed_records,
    ok: balance.balanced,
    difference_count: balance.balanced ? 0 : 1,
    differences: balance.balanced
      ? []
      : [{ kind: 'mismatch', columns: ['records'], expected: { records: balance.consumed }, found: { records: balance.accounted } }],
    pending_hours: 0,
  };
  const search = rt.search;
  // Documents are written by the index task before it dequeues their hours, outside any warehouse
  // transaction: comparing them while a run is indexing could see a document newer than its queue.
  // So the index is compared only while no run holds the DAG's lock; the tables alone need no lock.
  const derived = search
    ? await whileNoDagRuns(rt, options.lockWaitMs ?? 30_000, () => derivedChecks(rt, search))
    : [...(await derivedChecks(rt, undefined)), skippedDocuments()];
  const checks = [first, ...derived];
  return { ...balance, ok: checks.every((c) => c.ok), checks };
}

async function derivedChecks(rt: Pick<Runtime, 'warehouse' | 'config'>, search: SearchIndex | undefined): Promise<Check[]> {
  const documents = search ? await readDocuments(search) : [];
  return rt.warehouse.transaction(async (tx) => {
    await tx.exec(sql('reconcile/snapshot'));
    const queued = await queuedHours(tx);
    const checks = [
      rowCheck('transactions_clean', await cleanDifferences(tx, MAX_LISTED_DIFFERENCES), queued.transactions_clean),
      rowCheck('hourly_metrics', await metricsDifferences(tx, MAX_LISTED_DIFFERENCES), queued.hourly_metrics),
    ];
    if (search) {
      const retentionDays = rt.config.search?.retentionDays ?? Number.POSITIVE_INFINITY;
      checks.push(documentCheck(await expectedDocuments(tx), documents, new Set(await indexQueuedHours(tx)), retentionDays));
    }
    return checks;
  });
}

async function readDocuments(search: SearchIndex): Promise<HourlyMetricsDoc[]> {
  try {
    return await search.readAll();
  } catch (err) {
    // The CLI prints the cause after this line (describeError).
    throw new Error(atSearch(search, 'cannot read the documents from'), { cause: err });
  }
}

function skippedDocuments(): Check {
  return {
    name: 'search_documents',
    compares: COMPARES.search_documents,
    ok: true,
    difference_count: 0,
    differences: [],
    pending_hours: 0,
    skipped: 'no search engine configured (ELASTICSEARCH_URL or OPENSEARCH_URL)',
  };
}

/** Runs fn while no DAG run or continuous step changes the tables or the index, waiting up to waitMs for them. */
async function whileNoDagRuns<T>(rt: Pick<Runtime, 'warehouse'>, waitMs: number, fn: () => Promise<T>): Promise<T> {
  const locked = await withAdvisoryLockWaiting(rt.warehouse, TRANSFORM_LOCK, fn, { timeoutMs: waitMs });
  if (locked.acquired) return locked.value;
  throw new Error(
    `a run of ${DAG_ID} or a continuous step held the transformations for ${Math.round(waitMs / 1000)} s; reconcile compares the index only between them: try again`,
  );
}

// --- SQL, one typed function per file ---------------------------------------------------------

interface DifferenceRow {
  event_hour: string;
  transaction_id?: string;
  kind: Difference['kind'];
  columns: string[];
  expected: Record<string, unknown> | null;
  found: Record<string, unknown> | null;
  /** All differences, not only the rows returned. */
  total: number;
}

function queuedHours(q: Queryable): Promise<Record<'transactions_clean' | 'hourly_metrics' | 'search_documents', number>> {
  return q
    .query<Record<'transactions_clean' | 'hourly_metrics' | 'search_documents', number>>(sql('reconcile/queued_hours'))
    .then((rows) => rows[0]!);
}

function cleanDifferences(q: Queryable, limit: number): Promise<DifferenceRow[]> {
  return q.query<DifferenceRow>(sql('reconcile/clean_differences'), [limit]);
}

function metricsDifferences(q: Queryable, limit: number): Promise<DifferenceRow[]> {
  return q.query<DifferenceRow>(sql('reconcile/metrics_differences'), [limit]);
}

function expectedDocuments(q: Queryable): Promise<HourlyMetricsDoc[]> {
  return q.query<HourlyMetricsDoc>(sql('reconcile/expected_documents'));
}

async function indexQueuedHours(q: Queryable): Promise<string[]> {
  return (await q.query<{ event_hour: string }>(sql('reconcile/index_queued_hours'))).map((r) => r.event_hour);
}

// --- comparing ---------------------------------------------------------------------------------

/**
 * A search document's hour (its _id, `2026-03-01T10:00:00Z`) as JSON output spells an instant,
 * `2026-03-01T10:00:00.000Z`; a document whose event_hour is no date-time keeps it as found.
 */
function jsonHourOfDocument(hour: string): string {
  const ms = Date.parse(hour);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : hour;
}

function pick(row: Record<string, unknown> | null, columns: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(columns.map((c) => [c, row?.[c]]));
}

function rowCheck(name: 'transactions_clean' | 'hourly_metrics', rows: DifferenceRow[], pendingHours: number): Check {
  const differences = rows.map((r): Difference => {
    const d: Difference = { kind: r.kind, event_hour: toJsonInstant(r.event_hour) };
    if (r.transaction_id !== undefined) d.transaction_id = r.transaction_id;
    if (r.kind === 'mismatch') {
      d.columns = r.columns;
      d.expected = pick(r.expected, r.columns);
      d.found = pick(r.found, r.columns);
    } else if (r.kind === 'missing') d.expected = r.expected ?? {};
    else d.found = r.found ?? {};
    return d;
  });
  const count = rows[0]?.total ?? 0;
  return { name, compares: COMPARES[name], ok: count === 0, difference_count: count, differences, pending_hours: pendingHours };
}

const DOCUMENT_FIELDS = ['event_hour', 'total_transactions', 'total_amount', 'late_transactions', 'late_ratio'] as const;

/**
 * Documents against the documents hourly_metrics implies. Hours older than the retention horizon
 * (the newest hour known, in the table or the index, minus the retention days) are not compared: the
 * index task skips them and prunes their months.
 */
export function documentCheck(
  expected: readonly HourlyMetricsDoc[],
  documents: readonly HourlyMetricsDoc[],
  queued: ReadonlySet<string>,
  retentionDays: number,
): Check {
  let newest = Number.NEGATIVE_INFINITY;
  for (const { event_hour } of [...expected, ...documents]) newest = Math.max(newest, Date.parse(event_hour) || Number.NEGATIVE_INFINITY);
  const horizon = newest - retentionDays * 86_400_000;
  const retained = (hour: string) => !(Date.parse(hour) < horizon);
  const byHour = new Map<string, HourlyMetricsDoc>();
  const differences: Difference[] = [];
  for (const doc of documents) {
    if (byHour.has(doc.event_hour)) differences.push({ kind: 'duplicate', event_hour: doc.event_hour, found: { ...doc } });
    else byHour.set(doc.event_hour, doc);
  }
  let outside = 0;
  const expectedHours = new Set<string>();
  for (const want of expected) {
    expectedHours.add(want.event_hour);
    if (!retained(want.event_hour)) {
      outside++;
      continue;
    }
    if (queued.has(want.event_hour)) continue;
    const doc = byHour.get(want.event_hour);
    if (!doc) {
      differences.push({ kind: 'missing', event_hour: want.event_hour, expected: { ...want } });
      continue;
    }
    const columns = DOCUMENT_FIELDS.filter((f) => doc[f] !== want[f]);
    if (columns.length > 0) {
      differences.push({
        kind: 'mismatch',
        event_hour: want.event_hour,
        columns,
        expected: pick(want as unknown as Record<string, unknown>, columns),
        found: pick(doc as unknown as Record<string, unknown>, columns),
      });
    }
  }
  for (const doc of byHour.values()) {
    if (!expectedHours.has(doc.event_hour) && !queued.has(doc.event_hour) && retained(doc.event_hour)) {
      differences.push({ kind: 'unexpected', event_hour: doc.event_hour, found: { ...doc } });
    }
  }
  differences.sort((a, b) => (a.event_hour! < b.event_hour! ? -1 : a.event_hour! > b.event_hour! ? 1 : 0));
  return {
    name: 'search_documents',
    compares: COMPARES.search_documents,
    ok: differences.length === 0,
    difference_count: differences.length,
    // The difference's hour in the JSON spelling; expected and found stay the documents' own values.
    differences: differences.slice(0, MAX_LISTED_DIFFERENCES).map((d) => ({ ...d, event_hour: jsonHourOfDocument(d.event_hour!) })),
    pending_hours: queued.size,
    outside_retention_hours: outside,
  };
}

// --- text output -------------------------------------------------------------------------------

/** The text form: the balance line as it always was, then one line per check and its listed differences. */
export function formatReconciliation(r: FullReconciliation): string {
  const lines = [
    `${r.balanced ? 'balanced' : 'NOT BALANCED'}: ${r.consumed} records consumed from ${r.topic} (group ${r.group}) = ` +
      `${r.raw_transactions} raw + ${r.dead_letters} dead letters + ${r.duplicates} duplicates` +
      `${r.balanced ? '' : ` (accounted ${r.accounted})`}${r.complete ? '' : '; the log dropped its oldest records, so the count starts later'}`,
  ];
  for (const c of r.checks.slice(1)) {
    if (c.skipped) {
      lines.push(`${c.name}: skipped, ${c.skipped}`);
      continue;
    }
    const retention = c.outside_retention_hours ? `, ${c.outside_retention_hours} hour(s) past retention` : '';
    lines.push(`${c.name}: ${c.ok ? 'ok' : `${c.difference_count} difference(s)`}, ${c.pending_hours} pending hour(s)${retention} (${c.compares})`);
    for (const d of c.differences) lines.push(`  ${formatDifference(d)}`);
    if (c.difference_count > c.differences.length) lines.push(`  … and ${c.difference_count - c.differences.length} more`);
  }
  return lines.join('\n');
}

function formatDifference(d: Difference): string {
  const where = [d.event_hour, d.transaction_id].filter((x) => x !== undefined).join(' ');
  if (d.kind !== 'mismatch') return `${where}: ${d.kind}`;
  const values = (d.columns ?? []).map((c) => `${c} expected ${JSON.stringify(d.expected?.[c])}, found ${JSON.stringify(d.found?.[c])}`);
  return `${where}: ${values.join('; ')}`;
}
