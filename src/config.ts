/**
 * Every setting txpipe reads, from the environment (and CLI flags layered on top by the commands),
 * validated once. A wrong value is one clear line and exit code 2 (see ConfigError).
 */
import { z } from 'zod';
import { DEFAULT_QUALITY, parseSeverities, type QualitySettings } from './quality/settings.ts';
import { DEFAULT_SCHEDULE } from './dag/constants.ts';
import { DEFAULT_MAX_MESSAGE_BYTES, type EventLimits } from './events/limits.ts';
import { epochMsOf, parseTimestamp } from './events/timestamp.ts';
import { redact } from './observe/redact.ts';
import { postgresTlsSettings } from './warehouse/postgres/tls.ts';
import { brokersProblem, databaseUrlProblem, dataDirProblem, readableFileProblem } from './config-checks.ts';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const optionalUrl = z
  .string()
  .trim()
  .transform((s) => (s === '' ? undefined : s))
  .pipe(z.url().optional())
  .optional();
const optionalHttpUrl = z
  .string()
  .trim()
  .transform((s) => (s === '' ? undefined : s))
  .pipe(z.url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' }).optional())
  .optional();
const optionalText = z
  .string()
  .trim()
  .transform((s) => (s === '' ? undefined : s))
  .optional();
const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', ''])
  .transform((s) => s === '1' || s === 'true' || s === 'yes')
  .optional();
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const ratio = z.coerce.number().min(0).max(1);
/** For the newer numeric settings: an empty value is unset (its default), not zero. */
const emptyIsUnset = <T extends z.ZodType>(t: T) => z.preprocess((v) => (v === '' ? undefined : v), t);
/** A UTC date `YYYY-MM-DD` (its midnight) or an RFC 3339 date-time, as ms since the epoch. */
const eventTime = (fallback: string) =>
  emptyIsUnset(
    z
      .string()
      .trim()
      .default(fallback)
      .transform((s, ctx) => {
        const ts = parseTimestamp(/^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00Z` : s);
        if (ts === null) {
          ctx.addIssue({ code: 'custom', message: 'must be a date YYYY-MM-DD or an RFC 3339 timestamp (years 0001-9999)' });
          return z.NEVER;
        }
        return epochMsOf(ts);
      }),
  );

/** A comma-separated list of items, blanks around commas ignored. */
const list = (item: z.ZodString, what: string) =>
  z
    .string()
    .transform((v) => v.split(',').map((x) => x.trim()))
    .pipe(z.array(item).min(1, `must list at least one of the ${what}`));

const schema = z.object({
  TXPIPE_DATA_DIR: z.string().min(1).default('./.txpipe'),
  DATABASE_URL: optionalText.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
      .optional(),
  ),
  KAFKA_BROKERS: optionalText.pipe(
    z
      .string()
      .regex(/^[^\s,]+:\d+(,[^\s,]+:\d+)*$/, 'must be host:port[,host:port…]')
      .optional(),
  ),
  KAFKA_CLIENT_ID: z.string().min(1).default('txpipe'),
  KAFKA_SSL: bool,
  KAFKA_SSL_CA_FILE: optionalText,
  KAFKA_SSL_CERT_FILE: optionalText,
  KAFKA_SSL_KEY_FILE: optionalText,
  KAFKA_SSL_REJECT_UNAUTHORIZED: bool,
  KAFKA_SASL_MECHANISM: optionalText.pipe(z.enum(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']).optional()),
  KAFKA_SASL_USERNAME: optionalText,
  KAFKA_SASL_PASSWORD: optionalText,
  TXPIPE_TOPIC: z
    .string()
    .regex(/^[a-zA-Z0-9._-]{1,249}$/, 'must be a valid topic name')
    .default('transactions'),
  TXPIPE_TOPIC_PARTITIONS: int(1, 10_000).default(3),
  TXPIPE_TOPIC_REPLICATION: int(1, 100).default(1),
  TXPIPE_CONSUMER_GROUP: z.string().min(1).default('txpipe-ingest'),
  KAFKA_SESSION_TIMEOUT_MS: int(6_000, 300_000).optional(),
  TXPIPE_BATCH_SIZE: int(1, 100_000).default(10_000),
  TXPIPE_MAX_MESSAGE_BYTES: emptyIsUnset(int(1024, 64 * 1024 * 1024).default(DEFAULT_MAX_MESSAGE_BYTES)),
  TXPIPE_MIN_EVENT_TIME: eventTime('1970-01-01'),
  TXPIPE_MAX_EVENT_TIME: eventTime('2100-01-01'),
  ELASTICSEARCH_URL: optionalUrl,
  ELASTICSEARCH_API_KEY: optionalText,
  ELASTICSEARCH_USERNAME: optionalText,
  ELASTICSEARCH_PASSWORD: optionalText,
  OPENSEARCH_URL: optionalUrl,
  OPENSEARCH_USERNAME: optionalText,
  OPENSEARCH_PASSWORD: optionalText,
  TXPIPE_SEARCH_ENGINE: optionalText.pipe(z.enum(['elasticsearch', 'opensearch']).optional()),
  SEARCH_TLS_REJECT_UNAUTHORIZED: bool,
  SEARCH_TLS_CA_FILE: optionalText,
  TXPIPE_INDEX: z
    .string()
    .regex(/^[a-z0-9._-]{1,200}$/, 'must be a lowercase index name')
    .default('hourly_metrics'),
  TXPIPE_RETENTION_DAYS: int(1, 36_500).default(400),
  TXPIPE_SCHEDULE: z.string().min(1).default(DEFAULT_SCHEDULE),
  TXPIPE_TASK_RETRIES: int(0, 100).default(2),
  TXPIPE_RETRY_DELAY_MS: int(0, 3_600_000).default(2000),
  TXPIPE_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  TXPIPE_LOG_FORMAT: optionalText.pipe(z.enum(['json', 'pretty']).optional()),
  TXPIPE_ALERT_LATE_RATIO: emptyIsUnset(ratio.default(0.1)),
  TXPIPE_ALERT_LATE_MIN_TRANSACTIONS: emptyIsUnset(int(1, 1_000_000_000).default(100)),
  TXPIPE_ALERT_FRESHNESS_SECONDS: emptyIsUnset(int(0, 31_536_000).default(900)),
  TXPIPE_ALERT_DEAD_LETTER_RATIO: emptyIsUnset(ratio.default(0.01)),
  TXPIPE_ALERT_DEAD_LETTER_MIN_RECORDS: emptyIsUnset(int(1, 1_000_000_000).default(100)),
  TXPIPE_ALERT_WEBHOOK_URL: optionalHttpUrl,
  TXPIPE_QUALITY_ACCEPTED_CURRENCIES: emptyIsUnset(
    list(z.string().regex(/^[A-Z]{3}$/, 'must be three uppercase letters'), 'currency codes').default(DEFAULT_QUALITY.acceptedCurrencies),
  ),
  TXPIPE_QUALITY_ACCEPTED_STATUSES: emptyIsUnset(list(z.string().min(1).max(64), 'statuses').default(DEFAULT_QUALITY.acceptedStatuses)),
  TXPIPE_QUALITY_AMOUNT_MIN: emptyIsUnset(z.coerce.number().finite().default(DEFAULT_QUALITY.amountMin)),
  TXPIPE_QUALITY_AMOUNT_MAX: emptyIsUnset(z.coerce.number().finite().default(DEFAULT_QUALITY.amountMax)),
  TXPIPE_QUALITY_LATENCY_MIN_SECONDS: emptyIsUnset(z.coerce.number().finite().default(DEFAULT_QUALITY.latencyMinSeconds)),
  TXPIPE_QUALITY_LATENCY_MAX_SECONDS: emptyIsUnset(z.coerce.number().finite().default(DEFAULT_QUALITY.latencyMaxSeconds)),
  TXPIPE_QUALITY_FRESHNESS_SECONDS: emptyIsUnset(int(1, 31_536_000).default(DEFAULT_QUALITY.freshnessSeconds)),
  TXPIPE_QUALITY_DEAD_LETTER_RATIO: emptyIsUnset(ratio.default(DEFAULT_QUALITY.deadLetterRatio)),
  TXPIPE_QUALITY_DEAD_LETTER_MIN_RECORDS: emptyIsUnset(int(1, 1_000_000_000).default(DEFAULT_QUALITY.deadLetterMinRecords)),
  TXPIPE_QUALITY_VOLUME_DAYS: emptyIsUnset(int(1, 365).default(DEFAULT_QUALITY.volumeDays)),
  TXPIPE_QUALITY_VOLUME_MIN_DAYS: emptyIsUnset(int(1, 365).default(DEFAULT_QUALITY.volumeMinDays)),
  TXPIPE_QUALITY_VOLUME_MAX_Z: emptyIsUnset(z.coerce.number().positive().finite().default(DEFAULT_QUALITY.volumeMaxZ)),
  TXPIPE_QUALITY_SEVERITY: optionalText.pipe(
    z
      .string()
      .optional()
      .transform((v, c) => {
        try {
          return parseSeverities(v);
        } catch (err) {
          c.addIssue({ code: 'custom', message: (err as Error).message });
          return z.NEVER;
        }
      }),
  ),
  KIBANA_URL: optionalHttpUrl,
  KIBANA_SPACE: optionalText,
  KIBANA_API_KEY: optionalText,
  KIBANA_USERNAME: optionalText,
  KIBANA_PASSWORD: optionalText,
  OPENSEARCH_DASHBOARDS_URL: optionalHttpUrl,
  OPENSEARCH_DASHBOARDS_USERNAME: optionalText,
  OPENSEARCH_DASHBOARDS_PASSWORD: optionalText,
  TXPIPE_HTTP_HOST: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9.:_-]{1,253}$/, 'must be a host name or an IP address such as 127.0.0.1 or 0.0.0.0')
    .default('127.0.0.1'),
  TXPIPE_HTTP_PORT: int(0, 65_535).default(8080),
  TXPIPE_HTTP_TOKEN: optionalText.pipe(
    z
      .string()
      .regex(/^[\x21-\x7e]+$/, 'must be visible ASCII characters without spaces (it travels in an HTTP header)')
      .optional(),
  ),
  TXPIPE_LOCAL_API_PORT: int(0, 65_535).default(0),
});

/** Settings whose values never appear in an error line: a wrong one is named, never echoed. */
const SECRET = /PASSWORD|TOKEN|API_KEY|WEBHOOK_URL/;
const isSecret = (key: string) => SECRET.test(key);

export type Env = z.infer<typeof schema>;

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  topic: string;
  partitions: number;
  replication: number;
  group: string;
  /** How long the broker waits for a silent (crashed) consumer before giving its partitions away. */
  sessionTimeoutMs?: number;
  /** TLS: CA file, client certificate and key files (mutual TLS), verification. */
  ssl?: { ca?: string; cert?: string; key?: string; rejectUnauthorized: boolean };
  sasl?: { mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; username: string; password: string };
}

export interface SearchSettings {
  engine: 'elasticsearch' | 'opensearch';
  url: string;
  index: string;
  retentionDays: number;
  apiKey?: string;
  username?: string;
  password?: string;
  rejectUnauthorized: boolean;
  /** CA file (PEM) for an https URL whose certificate a private CA signed. */
  caFile?: string;
}

/** The HTTP server (`txpipe serve`, `demo`, and the local API of a process holding the embedded data directory). */
export interface HttpSettings {
  /** Interface to listen on; loopback unless told otherwise. */
  host: string;
  /** `serve` and `demo` listen here (0: any free port). */
  port: number;
  /** When set, every route but /healthz needs `Authorization: Bearer <token>`. */
  token?: string;
  /** Port of the local API that `ingest --follow` serves beside an embedded data directory (0: any free port). */
  localApiPort: number;
}

/**
 * Where `txpipe dashboards import` sends the saved objects when no flag names a target (flags win).
 * Both URLs may be set; the command then needs a flag to choose.
 */
export interface DashboardsSettings {
  kibana: { url?: string; space?: string; apiKey?: string; username?: string; password?: string };
  opensearchDashboards: { url?: string; username?: string; password?: string };
}

/** The alert rules (src/observe/alerts.ts) and where alerts are sent besides the log and the table. */
export interface AlertSettings {
  /** late_ratio: an event hour with at least lateMinTransactions transactions and a late ratio above this. */
  lateRatio: number;
  lateMinTransactions: number;
  /** freshness: the newest event counted in hourly_metrics is older than this (seconds; 0 = rule off). */
  freshnessSeconds: number;
  /** dead_letter_ratio: more than this share of the records received in the last hour (at least deadLetterMinRecords) were dead letters. */
  deadLetterRatio: number;
  deadLetterMinRecords: number;
  /** POSTed each alert as JSON. A secret (it often carries a token): never printed. */
  webhookUrl?: string;
}

export interface Config {
  dataDir: string;
  databaseUrl?: string;
  topic: string;
  group: string;
  batchSize: number;
  /** What a message must be before its fields are read: size, and the window for event and processing times. */
  events: EventLimits;
  kafka?: KafkaSettings;
  search?: SearchSettings;
  schedule: string;
  taskRetries: number;
  retryDelayMs: number;
  logLevel: Env['TXPIPE_LOG_LEVEL'];
  /** json or pretty; unset = pretty on a terminal, json otherwise. */
  logFormat?: Env['TXPIPE_LOG_FORMAT'];
  alerts: AlertSettings;
  /** The data-quality checks (src/quality). */
  quality: QualitySettings;
  dashboards: DashboardsSettings;
  http: HttpSettings;
}

/**
 * Which search engine to index into: the one whose URL is set, or, with both URLs set (as
 * `eval "$(npm run -s services:up)"` leaves them), the one TXPIPE_SEARCH_ENGINE names. Both URLs and no
 * choice is refused rather than guessed; a choice whose URL is missing too.
 */
function searchEngine(e: Env): SearchSettings['engine'] | undefined {
  const chosen = e.TXPIPE_SEARCH_ENGINE;
  if (chosen) {
    const urlKey = chosen === 'elasticsearch' ? 'ELASTICSEARCH_URL' : 'OPENSEARCH_URL';
    if (!e[urlKey]) throw new ConfigError(`TXPIPE_SEARCH_ENGINE is ${chosen} but ${urlKey} is not set`);
    return chosen;
  }
  if (e.ELASTICSEARCH_URL && e.OPENSEARCH_URL) {
    throw new ConfigError(
      'ELASTICSEARCH_URL and OPENSEARCH_URL are both set: choose one search engine with TXPIPE_SEARCH_ENGINE=elasticsearch or opensearch (or unset one URL)',
    );
  }
  if (e.ELASTICSEARCH_URL) return 'elasticsearch';
  if (e.OPENSEARCH_URL) return 'opensearch';
  return undefined;
}

/**
 * What the schema cannot see: hosts and ports, files that must be readable, the data directory (only
 * when it is used: no DATABASE_URL). Checked with fs calls before any command opens anything.
 */
function checkValues(e: Env): void {
  const problem =
    (e.DATABASE_URL ? databaseUrlProblem(e.DATABASE_URL) : dataDirProblem(e.TXPIPE_DATA_DIR)) ??
    (e.KAFKA_BROKERS ? brokersProblem(e.KAFKA_BROKERS) : undefined) ??
    (e.KAFKA_BROKERS && e.KAFKA_SSL_CA_FILE ? readableFileProblem('KAFKA_SSL_CA_FILE', e.KAFKA_SSL_CA_FILE) : undefined);
  if (problem) throw new ConfigError(problem);
}

/** Reads and validates settings; throws ConfigError with one line naming the first problem. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = String(issue.path[0] ?? 'config');
    // A value is echoed with its URL passwords and secret-named parameters masked (a mistyped scheme still carries one).
    const got = isSecret(key) ? 'value hidden' : `got ${redact(JSON.stringify(env[key] ?? ''))}`;
    throw new ConfigError(`${key}: ${issue.message} (${got})`);
  }
  const e = parsed.data;
  checkValues(e);
  const engine = searchEngine(e);
  if (e.TXPIPE_MIN_EVENT_TIME >= e.TXPIPE_MAX_EVENT_TIME) {
    throw new ConfigError(
      `TXPIPE_MIN_EVENT_TIME must be before TXPIPE_MAX_EVENT_TIME (got ${JSON.stringify(env.TXPIPE_MIN_EVENT_TIME ?? '1970-01-01')} and ${JSON.stringify(env.TXPIPE_MAX_EVENT_TIME ?? '2100-01-01')})`,
    );
  }
  if (e.DATABASE_URL) {
    try {
      postgresTlsSettings(e.DATABASE_URL, env);
    } catch (err) {
      throw new ConfigError((err as Error).message);
    }
  }
  if (e.KAFKA_SASL_MECHANISM && (!e.KAFKA_SASL_USERNAME || !e.KAFKA_SASL_PASSWORD)) {
    throw new ConfigError('KAFKA_SASL_MECHANISM is set: KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required');
  }
  for (const [lo, hi] of [
    ['TXPIPE_QUALITY_AMOUNT_MIN', 'TXPIPE_QUALITY_AMOUNT_MAX'],
    ['TXPIPE_QUALITY_LATENCY_MIN_SECONDS', 'TXPIPE_QUALITY_LATENCY_MAX_SECONDS'],
    ['TXPIPE_QUALITY_VOLUME_MIN_DAYS', 'TXPIPE_QUALITY_VOLUME_DAYS'],
  ] as const) {
    if (e[lo] > e[hi]) throw new ConfigError(`${lo}: must not be above ${hi} (${e[lo]} > ${e[hi]})`);
  }
  const config: Config = {
    dataDir: e.TXPIPE_DATA_DIR,
    databaseUrl: e.DATABASE_URL,
    topic: e.TXPIPE_TOPIC,
    group: e.TXPIPE_CONSUMER_GROUP,
    batchSize: e.TXPIPE_BATCH_SIZE,
    events: { maxMessageBytes: e.TXPIPE_MAX_MESSAGE_BYTES, minEventTimeMs: e.TXPIPE_MIN_EVENT_TIME, maxEventTimeMs: e.TXPIPE_MAX_EVENT_TIME },
    schedule: e.TXPIPE_SCHEDULE,
    taskRetries: e.TXPIPE_TASK_RETRIES,
    retryDelayMs: e.TXPIPE_RETRY_DELAY_MS,
    logLevel: e.TXPIPE_LOG_LEVEL,
    logFormat: e.TXPIPE_LOG_FORMAT,
    alerts: {
      lateRatio: e.TXPIPE_ALERT_LATE_RATIO,
      lateMinTransactions: e.TXPIPE_ALERT_LATE_MIN_TRANSACTIONS,
      freshnessSeconds: e.TXPIPE_ALERT_FRESHNESS_SECONDS,
      deadLetterRatio: e.TXPIPE_ALERT_DEAD_LETTER_RATIO,
      deadLetterMinRecords: e.TXPIPE_ALERT_DEAD_LETTER_MIN_RECORDS,
      webhookUrl: e.TXPIPE_ALERT_WEBHOOK_URL,
    },
    quality: {
      acceptedCurrencies: e.TXPIPE_QUALITY_ACCEPTED_CURRENCIES,
      acceptedStatuses: e.TXPIPE_QUALITY_ACCEPTED_STATUSES,
      amountMin: e.TXPIPE_QUALITY_AMOUNT_MIN,
      amountMax: e.TXPIPE_QUALITY_AMOUNT_MAX,
      latencyMinSeconds: e.TXPIPE_QUALITY_LATENCY_MIN_SECONDS,
      latencyMaxSeconds: e.TXPIPE_QUALITY_LATENCY_MAX_SECONDS,
      freshnessSeconds: e.TXPIPE_QUALITY_FRESHNESS_SECONDS,
      deadLetterRatio: e.TXPIPE_QUALITY_DEAD_LETTER_RATIO,
      deadLetterMinRecords: e.TXPIPE_QUALITY_DEAD_LETTER_MIN_RECORDS,
      volumeDays: e.TXPIPE_QUALITY_VOLUME_DAYS,
      volumeMinDays: e.TXPIPE_QUALITY_VOLUME_MIN_DAYS,
      volumeMaxZ: e.TXPIPE_QUALITY_VOLUME_MAX_Z,
      severity: e.TXPIPE_QUALITY_SEVERITY,
    },
    dashboards: {
      kibana: {
        url: e.KIBANA_URL,
        space: e.KIBANA_SPACE,
        apiKey: e.KIBANA_API_KEY,
        username: e.KIBANA_USERNAME,
        password: e.KIBANA_PASSWORD,
      },
      opensearchDashboards: {
        url: e.OPENSEARCH_DASHBOARDS_URL,
        username: e.OPENSEARCH_DASHBOARDS_USERNAME,
        password: e.OPENSEARCH_DASHBOARDS_PASSWORD,
      },
    },
    http: {
      host: e.TXPIPE_HTTP_HOST,
      port: e.TXPIPE_HTTP_PORT,
      token: e.TXPIPE_HTTP_TOKEN,
      localApiPort: e.TXPIPE_LOCAL_API_PORT,
    },
  };
  if (e.KAFKA_BROKERS) {
    config.kafka = {
      brokers: e.KAFKA_BROKERS.split(','),
      clientId: e.KAFKA_CLIENT_ID,
      topic: e.TXPIPE_TOPIC,
      partitions: e.TXPIPE_TOPIC_PARTITIONS,
      replication: e.TXPIPE_TOPIC_REPLICATION,
      group: e.TXPIPE_CONSUMER_GROUP,
      sessionTimeoutMs: e.KAFKA_SESSION_TIMEOUT_MS,
    };
    if (e.KAFKA_SSL || e.KAFKA_SSL_CA_FILE || e.KAFKA_SSL_CERT_FILE) {
      if (!e.KAFKA_SSL_CERT_FILE !== !e.KAFKA_SSL_KEY_FILE) {
        throw new ConfigError('KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together (a client certificate needs its key)');
      }
      config.kafka.ssl = {
        ca: e.KAFKA_SSL_CA_FILE,
        cert: e.KAFKA_SSL_CERT_FILE,
        key: e.KAFKA_SSL_KEY_FILE,
        rejectUnauthorized: e.KAFKA_SSL_REJECT_UNAUTHORIZED ?? true,
      };
    }
    if (e.KAFKA_SASL_MECHANISM) {
      config.kafka.sasl = {
        mechanism: e.KAFKA_SASL_MECHANISM,
        username: e.KAFKA_SASL_USERNAME!,
        password: e.KAFKA_SASL_PASSWORD!,
      };
    }
  }
  const searchCommon = {
    index: e.TXPIPE_INDEX,
    retentionDays: e.TXPIPE_RETENTION_DAYS,
    rejectUnauthorized: e.SEARCH_TLS_REJECT_UNAUTHORIZED ?? true,
    caFile: e.SEARCH_TLS_CA_FILE,
  };
  if (engine === 'elasticsearch' && e.ELASTICSEARCH_URL) {
    config.search = {
      engine: 'elasticsearch',
      url: e.ELASTICSEARCH_URL,
      apiKey: e.ELASTICSEARCH_API_KEY,
      username: e.ELASTICSEARCH_USERNAME,
      password: e.ELASTICSEARCH_PASSWORD,
      ...searchCommon,
    };
  } else if (engine === 'opensearch' && e.OPENSEARCH_URL) {
    config.search = {
      engine: 'opensearch',
      url: e.OPENSEARCH_URL,
      username: e.OPENSEARCH_USERNAME,
      password: e.OPENSEARCH_PASSWORD,
      ...searchCommon,
    };
  }
  return config;
}
