/**
 * The declarative data-quality checks, in the spirit of dbt's tests: each has a name, a severity
 * (warn or error, settable per check) and a threshold, and yields one result with what it observed.
 * They read the given event hours only (the hours a run touched, or all of them for a full refresh),
 * plus cheap one-row reads for freshness and the dead-letter window.
 */
import { sql } from '../sql.ts';
import type { Queryable } from '../warehouse/port.ts';
import { robustZ } from './robust-z.ts';
import { CHECK_NAMES, SEED_COLUMNS, type CheckName, type CheckStatus, type QualitySettings, type Severity } from './settings.ts';

/** One check's outcome, as stored, printed (`txpipe quality`) and served (/api/quality). */
export interface CheckResult {
  name: CheckName;
  severity: Severity;
  status: CheckStatus;
  /** What the check measured (rows failing, seconds, a ratio, a z-score); null when it had nothing to measure. */
  observed: number | null;
  /** The limit it was held to, in words, e.g. `0 rows outside [0, 1000000]`. */
  threshold: string;
  /** Why, in a few words (offending values, the hour of the worst z-score). */
  detail?: string;
}

interface RowStats {
  rows: string;
  bad_status: string;
  bad_status_sample: string[] | null;
  bad_currency: string;
  bad_currency_sample: string[] | null;
  bad_amount: string;
  min_amount: string | null;
  max_amount: string | null;
  bad_latency: string;
  negative_latency: string;
  min_latency: string | null;
  max_latency: string | null;
  [key: `null_${string}`]: string;
}

function result(name: CheckName, s: QualitySettings, failed: boolean, observed: number | null, threshold: string, detail?: string): CheckResult {
  const severity = s.severity[name];
  return { name, severity, status: failed ? (severity === 'error' ? 'fail' : 'warn') : 'pass', observed, threshold, ...(detail ? { detail } : {}) };
}

const sample = (xs: string[] | null) => (xs ?? []).map((x) => JSON.stringify(x)).join(', ');

export interface CheckInput {
  /** The event hours to check. */
  hours: string[];
  /** Dead letters count from after this time (the previous check); undefined = all of them. */
  deadLettersSince?: string;
}

/** Runs every check over the given hours; never throws for a failing check (the caller decides). */
export async function runChecks(db: Queryable, s: QualitySettings, input: CheckInput): Promise<CheckResult[]> {
  const { hours } = input;
  const [row] = await db.query<RowStats>(sql('quality/row_checks'), [
    hours,
    s.acceptedCurrencies,
    s.acceptedStatuses,
    s.amountMin,
    s.amountMax,
    s.latencyMinSeconds,
    s.latencyMaxSeconds,
  ]);
  const stats = row!;
  const rows = Number(stats.rows);
  const out: CheckResult[] = [];
  for (const column of SEED_COLUMNS) {
    const nulls = Number(stats[`null_${column}`]);
    out.push(result(`not_null_${column}`, s, nulls > 0, nulls, '0 null rows'));
  }
  const [dup] = await db.query<{ n: string }>(sql('quality/duplicate_ids'), [hours]);
  const duplicates = Number(dup?.n ?? 0);
  out.push(result('unique_transaction_id', s, duplicates > 0, duplicates, '0 transaction_id seen twice'));
  const acceptedValues = [
    ['accepted_values_status', stats.bad_status, stats.bad_status_sample, s.acceptedStatuses],
    ['accepted_values_currency', stats.bad_currency, stats.bad_currency_sample, s.acceptedCurrencies],
  ] as const;
  for (const [name, count, examples, accepted] of acceptedValues) {
    const bad = Number(count);
    out.push(result(name, s, bad > 0, bad, `0 rows outside ${accepted.join(',')}`, bad ? `e.g. ${sample(examples)}` : undefined));
  }
  const badAmount = Number(stats.bad_amount);
  out.push(
    result(
      'amount_range',
      s,
      badAmount > 0,
      badAmount,
      `0 rows outside [${s.amountMin}, ${s.amountMax}]`,
      rows > 0 ? `amounts from ${stats.min_amount} to ${stats.max_amount}` : undefined,
    ),
  );
  const badLatency = Number(stats.bad_latency);
  const negative = Number(stats.negative_latency);
  out.push(
    result(
      'latency_range',
      s,
      badLatency > 0,
      badLatency,
      `0 rows outside [${s.latencyMinSeconds}, ${s.latencyMaxSeconds}] s`,
      rows > 0
        ? `latency from ${Number(stats.min_latency)} to ${Number(stats.max_latency)} s${negative > 0 ? `; ${negative} negative (clock skew between producer and pipeline)` : ''}`
        : undefined,
    ),
  );
  out.push(await freshness(db, s));
  out.push(await deadLetterRate(db, s, rows, input.deadLettersSince));
  out.push(await hourlyVolume(db, s, hours));
  return out.sort((a, b) => CHECK_NAMES.indexOf(a.name) - CHECK_NAMES.indexOf(b.name));
}

async function freshness(db: Queryable, s: QualitySettings): Promise<CheckResult> {
  const [f] = await db.query<{ age_seconds: number | null; newest: string | null }>(sql('quality/freshness'));
  const age = f?.age_seconds ?? null;
  return result(
    'freshness',
    s,
    age === null || age > s.freshnessSeconds,
    age === null ? null : Math.round(age),
    `newest event at most ${s.freshnessSeconds} s old`,
    f?.newest ? `newest event_time ${f.newest}` : 'no transactions yet',
  );
}

async function deadLetterRate(db: Queryable, s: QualitySettings, rows: number, since: string | undefined): Promise<CheckResult> {
  const [d] = await db.query<{ n: string }>(sql('quality/dead_letters_since'), [since ?? null]);
  const dead = Number(d?.n ?? 0);
  const records = dead + rows;
  const ratio = records > 0 ? dead / records : 0;
  const judged = records >= s.deadLetterMinRecords;
  return result(
    'dead_letter_rate',
    s,
    judged && ratio > s.deadLetterRatio,
    ratio,
    `at most ${s.deadLetterRatio} of at least ${s.deadLetterMinRecords} records`,
    `${dead} dead letter(s) of ${records} record(s)${judged ? '' : ' (too few to judge)'}`,
  );
}

async function hourlyVolume(db: Queryable, s: QualitySettings, hours: string[]): Promise<CheckResult> {
  const threshold = `|robust z| at most ${s.volumeMaxZ} over the same hour of the previous ${s.volumeDays} days (at least ${s.volumeMinDays} with data)`;
  const rows = await db.query<{ event_hour: string; transactions: number; history: number[] }>(sql('quality/volume_history'), [hours, s.volumeDays]);
  let worst: { hour: string; z: number; value: number; median: number } | undefined;
  for (const r of rows) {
    if (r.history.length < s.volumeMinDays) continue;
    const { z, median } = robustZ(r.transactions, r.history);
    if (!worst || Math.abs(z) > Math.abs(worst.z)) worst = { hour: r.event_hour, z, value: r.transactions, median };
  }
  if (!worst) return result('hourly_volume', s, false, null, threshold, 'not enough history yet');
  const z = Math.round(worst.z * 100) / 100;
  return result(
    'hourly_volume',
    s,
    Math.abs(worst.z) > s.volumeMaxZ,
    z,
    threshold,
    `hour ${worst.hour}: ${worst.value} transactions, median ${worst.median}`,
  );
}
