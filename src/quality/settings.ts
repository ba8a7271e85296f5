/**
 * The data-quality checks' names, default severities and thresholds. Defaults follow what the seed and
 * the generator (src/events/generator.ts) produce, so generated data passes every check; each is an
 * env setting (src/config.ts, README "Data-quality checks").
 */
import { CURRENCIES, STATUSES } from '../events/generator.ts';

export type Severity = 'warn' | 'error';
export type CheckStatus = 'pass' | 'warn' | 'fail';

/** The seed's columns of transactions_clean, each checked not null. */
export const SEED_COLUMNS = ['transaction_id', 'user_id', 'amount', 'currency', 'status', 'event_time', 'processing_time'] as const;

/** Every check, in the order results are shown, with its default severity. */
export const CHECKS = {
  ...(Object.fromEntries(SEED_COLUMNS.map((c) => [`not_null_${c}`, 'error'])) as Record<`not_null_${(typeof SEED_COLUMNS)[number]}`, Severity>),
  unique_transaction_id: 'error',
  // Warn by default: ingest's validation accepts any status and any three-letter currency, and the
  // defaults are the generator's values; an operator who wants them enforced sets them to error.
  accepted_values_status: 'warn',
  accepted_values_currency: 'warn',
  amount_range: 'warn',
  // A skewed producer clock or a very late delivery is worth knowing, not worth stale documents.
  latency_range: 'warn',
  freshness: 'warn',
  dead_letter_rate: 'warn',
  hourly_volume: 'warn',
} as const satisfies Record<string, Severity>;

export type CheckName = keyof typeof CHECKS;
export const CHECK_NAMES = Object.keys(CHECKS) as CheckName[];
/** Names TXPIPE_QUALITY_SEVERITY accepts besides the checks' own: a group sets all its checks. */
export const CHECK_GROUPS = {
  not_null: CHECK_NAMES.filter((n) => n.startsWith('not_null_')),
  accepted_values: CHECK_NAMES.filter((n) => n.startsWith('accepted_values_')),
} as const;

export interface QualitySettings {
  acceptedCurrencies: string[];
  acceptedStatuses: string[];
  /** amount_range: amounts outside [amountMin, amountMax] fail. */
  amountMin: number;
  amountMax: number;
  /** latency_range: processing_time − event_time outside [min, max] seconds (negative: clock skew). */
  latencyMinSeconds: number;
  latencyMaxSeconds: number;
  /** freshness: the newest event in transactions_clean is at most this old (seconds). */
  freshnessSeconds: number;
  /** dead_letter_rate: dead letters over the records of the checked window, above this fails (once at least deadLetterMinRecords). */
  deadLetterRatio: number;
  deadLetterMinRecords: number;
  /** hourly_volume: robust z-score over the same hour of the previous volumeDays days, once at least volumeMinDays of them have data. */
  volumeDays: number;
  volumeMinDays: number;
  volumeMaxZ: number;
  severity: Record<CheckName, Severity>;
}

export const DEFAULT_QUALITY: QualitySettings = {
  acceptedCurrencies: [...CURRENCIES],
  acceptedStatuses: [...STATUSES],
  amountMin: 0,
  amountMax: 1_000_000,
  latencyMinSeconds: 0,
  latencyMaxSeconds: 86_400,
  freshnessSeconds: 7_200,
  deadLetterRatio: 0.05,
  deadLetterMinRecords: 100,
  volumeDays: 7,
  volumeMinDays: 3,
  volumeMaxZ: 3.5,
  severity: { ...CHECKS },
};

/**
 * Parses TXPIPE_QUALITY_SEVERITY: `check=warn|error` pairs, comma-separated, a check's name or a group
 * (`not_null`). Throws an Error whose message says what is wrong (config.ts adds the setting's name).
 */
export function parseSeverities(text: string | undefined): Record<CheckName, Severity> {
  const out: Record<CheckName, Severity> = { ...CHECKS };
  if (!text || text.trim() === '') return out;
  for (const part of text.split(',')) {
    const [name, value, extra] = part.split('=').map((s) => s.trim());
    if (!name || !value || extra !== undefined) throw new Error(`expected check=warn|error pairs separated by commas, got ${JSON.stringify(part)}`);
    if (value !== 'warn' && value !== 'error') throw new Error(`severity of ${name} must be warn or error`);
    const names = name in CHECK_GROUPS ? CHECK_GROUPS[name as keyof typeof CHECK_GROUPS] : name in CHECKS ? [name as CheckName] : undefined;
    if (!names) throw new Error(`unknown check ${JSON.stringify(name)} (known: ${[...Object.keys(CHECK_GROUPS), ...CHECK_NAMES].join(', ')})`);
    for (const n of names) out[n] = value;
  }
  return out;
}
