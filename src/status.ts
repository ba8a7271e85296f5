/** What `txpipe status`, the demo and the dashboard show: counts, consumer position and lag, last run. */
import { sql } from './sql.ts';
import type { Runtime } from './runtime.ts';
import { readConsumerOffsets } from './warehouse/consumer-offsets.ts';
import { DAG_ID } from './dag/process-kafka-to-postgres.ts';
import { countByStatus, readResults } from './quality/results.ts';
import { LogUnreachableError, type PartitionLag, TopicMissingError } from './log/port.ts';

export interface Status {
  warehouse: string;
  topic: { kind: string; name: string };
  search: string | null;
  raw_transactions: number;
  clean_transactions: number;
  hourly_metrics: number;
  dead_letters: number;
  duplicates: number;
  pending_hours: { transform: number; metrics: number; index: number };
  consumer: {
    group: string;
    /** null: unknown (the broker did not answer); the rest of the status is the warehouse's own. */
    lag: number | null;
    partitions: { partition: number; position: string; end: string; lag: number }[];
    /** Why the lag is zero or unknown when it is not measured: a topic not created yet, a broker down. */
    note: string | null;
  };
  last_dag_run: {
    run_id: string;
    state: string;
    logical_date: string;
    started_at: string;
    ended_at: string | null;
    duration_seconds: number;
    error: string | null;
  } | null;
  /** `txpipe run` processes seen in the last day: their continuous steps (not DAG runs). */
  continuous: ContinuousRun[];
  /** The latest run of the data-quality checks (`txpipe quality` has each check), or null before the first. */
  quality: QualitySummary | null;
}

export interface QualitySummary {
  run_id: string;
  checked_at: string;
  hours: number;
  pass: number;
  warn: number;
  fail: number;
  /** Checks that did not pass: the failed `error` ones hold indexing back. */
  failing: { name: string; status: 'warn' | 'fail' }[];
  /** Whether indexing is held back (a failed `error` check). */
  indexing_held: boolean;
}

async function qualitySummary(rt: Pick<Runtime, 'warehouse'>): Promise<QualitySummary | null> {
  const results = await readResults(rt.warehouse);
  if (results.length === 0) return null;
  const counts = countByStatus(results);
  return {
    run_id: results[0]!.run_id,
    checked_at: results[0]!.checked_at,
    hours: results[0]!.hours,
    ...counts,
    failing: results.flatMap((r) => (r.status === 'pass' ? [] : [{ name: r.name, status: r.status }])),
    indexing_held: counts.fail > 0,
  };
}

export interface ContinuousRun {
  process_id: string;
  consumer_group: string;
  /** Beat in the last 30 s and not stopped. */
  active: boolean;
  started_at: string;
  last_step_at: string | null;
  steps: number;
  mean_step_seconds: number | null;
  last_step_seconds: number | null;
  rows_cleaned: number;
  documents_indexed: number;
  errors: number;
  last_error: string | null;
}

interface ContinuousRow {
  process_id: string;
  consumer_group: string;
  active: boolean;
  started_at: string;
  last_step_at: string | null;
  steps: string;
  step_seconds: number;
  last_step_seconds: number | null;
  rows_cleaned: string;
  documents_indexed: string;
  errors: string;
  last_error: string | null;
}

type Counts = Record<
  | 'raw_transactions'
  | 'clean_transactions'
  | 'hourly_metrics'
  | 'dead_letters'
  | 'duplicates'
  | 'changed_hours_pending'
  | 'metrics_hours_pending'
  | 'index_hours_pending',
  string
>;

export async function readStatus(rt: Pick<Runtime, 'warehouse' | 'log' | 'search' | 'config'>): Promise<Status> {
  const [counts] = await rt.warehouse.query<Counts>(sql('status/counts'));
  const [last] = await rt.warehouse.query<NonNullable<Status['last_dag_run']>>(sql('status/last_run'), [DAG_ID]);
  let lag: PartitionLag[] = [];
  let note: string | null = null;
  let lagKnown = true;
  try {
    lag = await rt.log.lag(rt.config.group);
  } catch (err) {
    if (err instanceof TopicMissingError) note = `${err.message}: nothing produced, nothing to ingest`;
    else if (err instanceof LogUnreachableError) {
      note = `lag unknown: ${err.message}`;
      lagKnown = false;
    } else throw err;
  }
  // The positions stored with the rows are the truth; Kafka's committed offsets can trail them
  // (a commit lost in a crash or a rebalance), so they only fill in partitions never ingested.
  const stored = await readConsumerOffsets(rt.warehouse, { group: rt.config.group, topic: rt.log.topic });
  const partitions = lag.map((p) => {
    const position = stored.get(p.partition) ?? p.position;
    const behind = p.end > position ? Number(p.end - position) : 0;
    return { partition: p.partition, position: position.toString(), end: p.end.toString(), lag: behind };
  });
  const c = counts!;
  return {
    warehouse: rt.warehouse.kind === 'pglite' ? `pglite (${rt.config.dataDir})` : 'postgres',
    topic: { kind: rt.log.kind, name: rt.log.topic },
    search: rt.search ? `${rt.search.kind} ${rt.search.name}` : null,
    raw_transactions: Number(c.raw_transactions),
    clean_transactions: Number(c.clean_transactions),
    hourly_metrics: Number(c.hourly_metrics),
    dead_letters: Number(c.dead_letters),
    duplicates: Number(c.duplicates),
    pending_hours: {
      transform: Number(c.changed_hours_pending),
      metrics: Number(c.metrics_hours_pending),
      index: Number(c.index_hours_pending),
    },
    consumer: {
      group: rt.config.group,
      lag: lagKnown ? partitions.reduce((s, p) => s + p.lag, 0) : null,
      partitions,
      note,
    },
    last_dag_run: last ?? null,
    continuous: (await rt.warehouse.query<ContinuousRow>(sql('run/recent'))).map((r) => ({
      process_id: r.process_id,
      consumer_group: r.consumer_group,
      active: r.active,
      started_at: r.started_at,
      last_step_at: r.last_step_at,
      steps: Number(r.steps),
      mean_step_seconds: Number(r.steps) > 0 ? r.step_seconds / Number(r.steps) : null,
      last_step_seconds: r.last_step_seconds,
      rows_cleaned: Number(r.rows_cleaned),
      documents_indexed: Number(r.documents_indexed),
      errors: Number(r.errors),
      last_error: r.last_error,
    })),
    quality: await qualitySummary(rt),
  };
}

export function statusText(s: Status): string {
  const run = s.last_dag_run;
  return [
    `warehouse           ${s.warehouse}`,
    `topic               ${s.topic.name} (${s.topic.kind})`,
    `search              ${s.search ?? 'none (index task skipped)'}`,
    `raw_transactions    ${s.raw_transactions}`,
    `clean_transactions  ${s.clean_transactions}`,
    `hourly_metrics      ${s.hourly_metrics} hours`,
    `dead_letters        ${s.dead_letters}`,
    `duplicates          ${s.duplicates}`,
    `pending hours       transform ${s.pending_hours.transform}, metrics ${s.pending_hours.metrics}, index ${s.pending_hours.index}`,
    `consumer            group ${s.consumer.group}, lag ${s.consumer.lag ?? 'unknown'}${s.consumer.note ? ` (${s.consumer.note.replace(/^lag unknown: /, '')})` : ''}` +
      s.consumer.partitions.map((p) => `\n  partition ${p.partition}: position ${p.position}, end ${p.end}, lag ${p.lag}`).join(''),
    `last DAG run        ${run ? `${run.run_id} ${run.state} (${run.duration_seconds.toFixed(2)} s)${run.error ? `: ${run.error}` : ''}` : 'none yet'}`,
    `txpipe run          ${continuousText(s.continuous)}`,
    `data quality        ${qualityText(s.quality)}`,
  ].join('\n');
}

function qualityText(q: QualitySummary | null): string {
  if (!q) return 'not checked yet';
  const failing = q.failing.map((f) => `${f.name} (${f.status})`).join(', ');
  return `run ${q.run_id}: ${q.pass} passed, ${q.warn} warned, ${q.fail} failed on ${q.hours} hour(s)${failing ? `: ${failing}` : ''}${q.indexing_held ? '; indexing held back' : ''}`;
}

function continuousText(runs: ContinuousRun[]): string {
  const active = runs.filter((r) => r.active);
  if (active.length === 0) return 'none active (metrics follow the DAG schedule)';
  return (
    `${active.length} active` +
    active
      .map(
        (r) =>
          `\n  ${r.process_id}: ${r.steps} steps, ${r.mean_step_seconds === null ? '-' : `${(r.mean_step_seconds * 1000).toFixed(0)} ms`} a step, last ${r.last_step_at ?? 'never'}, ${r.rows_cleaned} rows cleaned, ${r.errors} failed`,
      )
      .join('')
  );
}
