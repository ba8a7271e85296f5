/**
 * The OpenAPI 3.1 document of txpipe's HTTP API, served at /api/openapi.json. The tests validate the
 * document itself and every endpoint's real response against the schema here, so this is the contract
 * scripts can rely on (and the one the dashboard uses: it reads nothing else).
 */

import { CHECK_NAMES } from '../quality/settings.ts';

const nullable = (type: string, extra: Record<string, unknown> = {}) => ({ type: [type, 'null'], ...extra });
/** Every instant in a response is spelled one way: RFC 3339 UTC with milliseconds, as Date#toISOString writes it. */
const instant = { format: 'date-time', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$' } as const;
const dateTime = { type: 'string', ...instant } as const;
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const jsonContent = (schema: unknown) => ({ 'application/json': { schema } });
const ok = (description: string, schema: unknown) => ({ description, content: jsonContent(schema) });
const errors = {
  '400': { description: 'A query parameter is wrong (the message names it)', content: jsonContent(ref('Error')) },
  '401': { description: 'TXPIPE_HTTP_TOKEN is set and the request does not carry it', content: jsonContent(ref('Error')) },
  '500': { description: 'The request failed inside txpipe', content: jsonContent(ref('Error')) },
};
const rangeParams = [
  {
    name: 'from',
    in: 'query',
    description: 'First event hour, inclusive (RFC 3339; no offset = UTC). None: from the oldest hour.',
    schema: { type: 'string', format: 'date-time' },
  },
  {
    name: 'to',
    in: 'query',
    description: 'End, exclusive (RFC 3339). None: up to the newest hour.',
    schema: { type: 'string', format: 'date-time' },
  },
];
const limitParam = (def: number, max: number) => ({
  name: 'limit',
  in: 'query',
  description: `How many (default ${def}).`,
  schema: { type: 'integer', minimum: 1, maximum: max, default: def },
});

const payloadEncoding = {
  type: 'string',
  enum: ['utf8', 'escaped'],
  description:
    'utf8: the payload is valid UTF-8 and shown as its text; escaped: it is not, and is shown with printable ASCII as it is, a backslash doubled and every other byte as \\xNN.',
};

const schemas = {
  Error: {
    type: 'object',
    required: ['error', 'message'],
    additionalProperties: false,
    properties: { error: { type: 'string', description: 'A code: bad_request, unauthorized, not_found, …' }, message: { type: 'string' } },
  },
  HourlyMetrics: {
    type: 'object',
    description: 'One row of hourly_metrics.',
    required: ['event_hour', 'total_transactions', 'total_amount', 'late_transactions', 'late_ratio'],
    additionalProperties: false,
    properties: {
      event_hour: { ...dateTime, description: 'Start of the event hour, UTC.' },
      total_transactions: { type: 'integer', minimum: 0 },
      total_amount: {
        type: 'number',
        minimum: 0,
        description: 'Sum of amount over all currencies, written as the exact NUMERIC: read it from the JSON text to keep every digit.',
      },
      late_transactions: {
        type: 'integer',
        minimum: 0,
        description: 'Transactions whose latency_seconds > 120 (processed more than 2 minutes after the event).',
      },
      late_ratio: { type: 'number', minimum: 0, maximum: 1 },
    },
  },
  HourlyLatency: {
    type: 'object',
    description:
      'Percentiles of latency_seconds (processing_time − event_time) over the transactions of one event hour, read from log-spaced buckets kept beside hourly_metrics (2^(1/4) apart: within ~9 % of the exact value).',
    required: ['event_hour', 'transactions', 'p50_seconds', 'p95_seconds', 'p99_seconds'],
    additionalProperties: false,
    properties: {
      event_hour: dateTime,
      transactions: { type: 'integer', minimum: 0, description: 'The transactions the percentiles are of.' },
      p50_seconds: { type: 'number' },
      p95_seconds: { type: 'number' },
      p99_seconds: { type: 'number' },
    },
  },
  Status: {
    type: 'object',
    description: 'What `txpipe status --format json` prints.',
    required: [
      'warehouse',
      'topic',
      'search',
      'raw_transactions',
      'clean_transactions',
      'hourly_metrics',
      'dead_letters',
      'duplicates',
      'pending_hours',
      'consumer',
      'last_dag_run',
      'continuous',
      'quality',
    ],
    additionalProperties: false,
    properties: {
      warehouse: { type: 'string', description: '"postgres", or "pglite (<data directory>)"' },
      topic: {
        type: 'object',
        required: ['kind', 'name'],
        additionalProperties: false,
        properties: { kind: { type: 'string', enum: ['kafka', 'embedded'] }, name: { type: 'string' } },
      },
      search: nullable('string', { description: 'Search engine and alias, or null when there is none (the index task is skipped).' }),
      raw_transactions: { type: 'integer', minimum: 0 },
      clean_transactions: { type: 'integer', minimum: 0 },
      hourly_metrics: { type: 'integer', minimum: 0, description: 'Hours in hourly_metrics.' },
      dead_letters: { type: 'integer', minimum: 0 },
      duplicates: { type: 'integer', minimum: 0 },
      pending_hours: {
        type: 'object',
        description: 'Hours queued for the next DAG run, per step.',
        required: ['transform', 'metrics', 'index'],
        additionalProperties: false,
        properties: { transform: { type: 'integer' }, metrics: { type: 'integer' }, index: { type: 'integer' } },
      },
      consumer: {
        type: 'object',
        required: ['group', 'lag', 'partitions', 'note'],
        additionalProperties: false,
        properties: {
          group: { type: 'string' },
          lag: {
            type: ['integer', 'null'],
            minimum: 0,
            description: 'Records in the topic not yet ingested, all partitions; null when the broker did not answer (see note).',
          },
          note: {
            type: ['string', 'null'],
            description: 'Why the lag is 0 or null without being measured: the topic does not exist yet, or the broker did not answer.',
          },
          partitions: {
            type: 'array',
            items: {
              type: 'object',
              required: ['partition', 'position', 'end', 'lag'],
              additionalProperties: false,
              properties: {
                partition: { type: 'integer', minimum: 0 },
                position: { type: 'string', pattern: '^\\d+$', description: 'Next offset to ingest (int64 as a decimal string).' },
                end: { type: 'string', pattern: '^\\d+$', description: 'Offset the next appended record will get.' },
                lag: { type: 'integer', minimum: 0 },
              },
            },
          },
        },
      },
      last_dag_run: {
        oneOf: [
          { type: 'null' },
          {
            type: 'object',
            required: ['run_id', 'state', 'logical_date', 'started_at', 'ended_at', 'duration_seconds', 'error'],
            additionalProperties: false,
            properties: {
              run_id: { type: 'string' },
              state: { type: 'string' },
              logical_date: dateTime,
              started_at: dateTime,
              ended_at: nullable('string', instant),
              duration_seconds: { type: 'number' },
              error: nullable('string'),
            },
          },
        ],
      },
      continuous: {
        type: 'array',
        description: '`txpipe run` processes seen in the last day and their continuous steps (which are not DAG runs).',
        items: {
          type: 'object',
          required: [
            'process_id',
            'consumer_group',
            'active',
            'started_at',
            'last_step_at',
            'steps',
            'mean_step_seconds',
            'last_step_seconds',
            'rows_cleaned',
            'documents_indexed',
            'errors',
            'last_error',
          ],
          additionalProperties: false,
          properties: {
            process_id: { type: 'string' },
            consumer_group: { type: 'string' },
            active: { type: 'boolean', description: 'Beat in the last 30 s and not stopped.' },
            started_at: dateTime,
            last_step_at: nullable('string', instant),
            steps: { type: 'integer', minimum: 0 },
            mean_step_seconds: nullable('number'),
            last_step_seconds: nullable('number'),
            rows_cleaned: { type: 'integer', minimum: 0 },
            documents_indexed: { type: 'integer', minimum: 0 },
            errors: { type: 'integer', minimum: 0 },
            last_error: nullable('string'),
          },
        },
      },
      quality: ref('QualitySummary'),
    },
  },
  IngestPace: {
    type: 'object',
    required: ['events_per_second', 'window_seconds', 'last_ingest_at'],
    additionalProperties: false,
    properties: {
      events_per_second: nullable('number', {
        minimum: 0,
        description:
          'Records ingested per second (raw rows, dead letters and duplicates) over the last minute, as this server sampled it; null until it has two samples.',
      }),
      window_seconds: nullable('number', { description: 'Seconds the rate was measured over.' }),
      last_ingest_at: nullable('string', { ...instant, description: 'When a batch last committed for this consumer group and topic.' }),
    },
  },
  Task: {
    type: 'object',
    description: "A task's last try within a run.",
    required: ['task_id', 'state', 'try_number', 'started_at', 'ended_at', 'duration_seconds', 'error', 'summary'],
    additionalProperties: false,
    properties: {
      task_id: { type: 'string', enum: ['run_transformations', 'refresh_views', 'check_data_quality', 'index_hourly_metrics_to_elasticsearch'] },
      state: { type: 'string', description: 'running, success, failed or skipped' },
      try_number: { type: 'integer', minimum: 1 },
      started_at: dateTime,
      ended_at: nullable('string', instant),
      duration_seconds: { type: 'number' },
      error: nullable('string'),
      summary: nullable('object', { description: 'What the task returned (hours, rows, indexed, …).' }),
    },
  },
  Run: {
    type: 'object',
    description: 'One run of process_kafka_to_postgres, as `txpipe dag runs --format json` prints it.',
    required: [
      'run_id',
      'dag_id',
      'logical_date',
      'run_type',
      'full_refresh',
      'state',
      'started_at',
      'ended_at',
      'error',
      'duration_seconds',
      'tasks',
    ],
    additionalProperties: false,
    properties: {
      run_id: { type: 'string' },
      dag_id: { type: 'string', const: 'process_kafka_to_postgres' },
      logical_date: dateTime,
      run_type: { type: 'string', description: 'scheduled, manual, backfill or airflow' },
      full_refresh: { type: 'boolean' },
      state: { type: 'string', description: 'running, success or failed' },
      started_at: dateTime,
      ended_at: nullable('string', instant),
      error: nullable('string'),
      duration_seconds: { type: 'number', description: 'Until now for a run still going.' },
      tasks: { type: 'array', items: ref('Task') },
    },
  },
  DeadLetterSummary: {
    type: 'object',
    description: 'A message that is not a valid event, with the start of its payload.',
    required: [
      'id',
      'topic',
      'partition',
      'offset',
      'received_at',
      'reason',
      'payload_bytes',
      'payload_kept_bytes',
      'payload_sha256',
      'payload_preview',
      'payload_encoding',
      'payload_truncated',
    ],
    additionalProperties: false,
    properties: {
      id: { type: 'string', description: 'topic/partition/offset, what `txpipe dead-letters show` takes.' },
      topic: { type: 'string' },
      partition: { type: 'integer', minimum: 0 },
      offset: { type: 'string', pattern: '^\\d+$' },
      received_at: dateTime,
      reason: { type: 'string' },
      payload_bytes: { type: 'integer', minimum: 0, description: 'Size of the whole message in bytes.' },
      payload_kept_bytes: {
        type: 'integer',
        minimum: 0,
        description: 'Bytes stored: fewer than payload_bytes for a message refused for its size (its first KiB is kept).',
      },
      payload_sha256: { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of the whole message.' },
      payload_preview: {
        type: 'string',
        description: 'The first 200 characters of the stored payload, shown as payload_encoding says: hostile text, escape it.',
      },
      payload_encoding: payloadEncoding,
      payload_truncated: { type: 'boolean', description: 'Whether the preview is shorter than the stored payload.' },
    },
  },
  DeadLetter: {
    type: 'object',
    required: [
      'id',
      'topic',
      'partition',
      'offset',
      'received_at',
      'reason',
      'payload_bytes',
      'payload_kept_bytes',
      'payload_sha256',
      'payload',
      'payload_encoding',
      'payload_base64',
    ],
    additionalProperties: false,
    properties: {
      id: { type: 'string' },
      topic: { type: 'string' },
      partition: { type: 'integer', minimum: 0 },
      offset: { type: 'string', pattern: '^\\d+$' },
      received_at: dateTime,
      reason: { type: 'string' },
      payload_bytes: { type: 'integer', minimum: 0, description: 'Size of the whole message in bytes.' },
      payload_kept_bytes: { type: 'integer', minimum: 0, description: 'Bytes stored (the first KiB of a message refused for its size).' },
      payload_sha256: { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of the whole message.' },
      payload: { type: 'string', description: 'The stored payload, shown as payload_encoding says: hostile text, escape it.' },
      payload_encoding: payloadEncoding,
      payload_base64: { type: 'string', contentEncoding: 'base64', description: "The stored payload's exact bytes." },
    },
  },
  Alert: {
    type: 'object',
    description:
      'An alert (src/observe/alerts.ts): fired once per rule and key, stored with its value and threshold, resolved when the condition clears. Evaluated after each DAG run (and every few seconds in demo).',
    required: ['rule', 'key', 'event_hour', 'value', 'threshold', 'state', 'fired_at', 'resolved_at', 'message'],
    additionalProperties: false,
    properties: {
      rule: { type: 'string', enum: ['late_ratio', 'freshness', 'dead_letter_ratio'] },
      key: { ...dateTime, description: 'The event hour (late_ratio) or the UTC hour the episode started (freshness, dead_letter_ratio).' },
      event_hour: nullable('string', { ...instant, description: 'late_ratio: the hour of hourly_metrics it is about; null otherwise.' }),
      value: { type: 'number', description: 'The measure when it fired: a ratio, or an age in seconds.' },
      threshold: { type: 'number' },
      state: { type: 'string', enum: ['open', 'resolved'] },
      fired_at: dateTime,
      resolved_at: nullable('string', instant),
      message: { type: 'string', description: 'One line for a person: what crossed which limit.' },
    },
  },
  QualityResult: {
    type: 'object',
    description:
      "One data-quality check's result in one run (check_data_quality): `txpipe quality --format json` prints name, severity, status, observed and threshold.",
    required: ['run_id', 'name', 'severity', 'status', 'observed', 'threshold', 'detail', 'hours', 'checked_at'],
    additionalProperties: false,
    properties: {
      run_id: { type: 'string' },
      name: { type: 'string', enum: CHECK_NAMES },
      severity: { type: 'string', enum: ['warn', 'error'] },
      status: {
        type: 'string',
        enum: ['pass', 'warn', 'fail'],
        description: 'pass, or after the severity of a failed check: warn, or fail (holds indexing back).',
      },
      observed: nullable('number', {
        description: 'What the check measured: failing rows, seconds, a ratio or a robust z-score; null when there was nothing to measure.',
      }),
      threshold: { type: 'string', description: 'The limit, in words.' },
      detail: nullable('string', { description: 'Offending values or the worst hour; from the data: hostile text, escape it.' }),
      hours: { type: 'integer', minimum: 0, description: 'Event hours the run checked.' },
      checked_at: dateTime,
    },
  },
  QualitySummary: {
    type: ['object', 'null'],
    description: 'The latest run of the data-quality checks, or null before the first.',
    required: ['run_id', 'checked_at', 'hours', 'pass', 'warn', 'fail', 'failing', 'indexing_held'],
    additionalProperties: false,
    properties: {
      run_id: { type: 'string' },
      checked_at: dateTime,
      hours: { type: 'integer', minimum: 0 },
      pass: { type: 'integer', minimum: 0 },
      warn: { type: 'integer', minimum: 0 },
      fail: { type: 'integer', minimum: 0 },
      failing: {
        type: 'array',
        items: {
          type: 'object',
          required: ['name', 'status'],
          additionalProperties: false,
          properties: { name: { type: 'string', enum: CHECK_NAMES }, status: { type: 'string', enum: ['warn', 'fail'] } },
        },
      },
      indexing_held: { type: 'boolean', description: 'A check of severity error failed: the index task sends nothing until the checks pass.' },
    },
  },
  Readiness: {
    type: 'object',
    required: ['status', 'checks'],
    additionalProperties: false,
    properties: {
      status: { type: 'string', enum: ['ready', 'not ready'] },
      checks: {
        type: 'object',
        description: 'Each check: "ok", or what is wrong. database always; consumer where this process runs the ingest.',
        required: ['database'],
        properties: { database: { type: 'string' }, consumer: { type: 'string' } },
        additionalProperties: { type: 'string' },
      },
    },
  },
};

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'txpipe',
    version: '0.1.0',
    description:
      "txpipe's read API: hourly metrics and latency, pipeline status, DAG runs, dead letters and alerts. The dashboard at / uses nothing else. " +
      'Times are UTC. With TXPIPE_HTTP_TOKEN set, every route but /healthz needs `Authorization: Bearer <token>` (or HTTP Basic with the token as password).',
  },
  servers: [{ url: '/' }],
  security: [{ bearer: [] }, { basic: [] }],
  paths: {
    '/api/hourly-metrics': {
      get: {
        operationId: 'hourlyMetrics',
        summary: 'hourly_metrics rows with event_hour in [from, to), sorted: exactly what `txpipe metrics hourly --format json` prints',
        parameters: rangeParams,
        responses: { '200': ok('The rows', { type: 'array', items: ref('HourlyMetrics') }), ...errors },
      },
    },
    '/api/hourly-latency': {
      get: {
        operationId: 'hourlyLatency',
        summary: 'p50/p95/p99 of latency_seconds per event hour in [from, to), sorted',
        parameters: rangeParams,
        responses: { '200': ok('The rows', { type: 'array', items: ref('HourlyLatency') }), ...errors },
      },
    },
    '/api/status': {
      get: {
        operationId: 'status',
        summary: 'Counts, pending hours, consumer lag per partition and the last DAG run: what `txpipe status --format json` prints',
        responses: { '200': ok('The status', ref('Status')), ...errors },
      },
    },
    '/api/ingest': {
      get: {
        operationId: 'ingestPace',
        summary: 'Records ingested per second over the last minute, and when a batch last committed',
        responses: { '200': ok('The pace', ref('IngestPace')), ...errors },
      },
    },
    '/api/runs': {
      get: {
        operationId: 'runs',
        summary: 'Recent runs of process_kafka_to_postgres, newest first, each with its tasks: what `txpipe dag runs --format json` prints',
        parameters: [limitParam(20, 10_000)],
        responses: { '200': ok('The runs', { type: 'array', items: ref('Run') }), ...errors },
      },
    },
    '/api/quality': {
      get: {
        operationId: 'quality',
        summary: 'Data-quality results of the latest run of the checks (or of `run`), one per check: what `txpipe quality` reads',
        parameters: [
          { name: 'run', in: 'query', description: 'A run id; none: the latest run of the checks.', schema: { type: 'string', maxLength: 1000 } },
        ],
        responses: { '200': ok('The results ([] when there are none)', { type: 'array', items: ref('QualityResult') }), ...errors },
      },
    },
    '/api/dead-letters': {
      get: {
        operationId: 'deadLetters',
        summary: 'Dead letters, newest first, with reason and the start of the payload',
        parameters: [
          limitParam(50, 10_000),
          {
            name: 'reason',
            in: 'query',
            description: 'Only letters whose reason contains this text (case-insensitive).',
            schema: { type: 'string', maxLength: 1000 },
          },
        ],
        responses: { '200': ok('The letters', { type: 'array', items: ref('DeadLetterSummary') }), ...errors },
      },
    },
    '/api/dead-letters/{topic}/{partition}/{offset}': {
      get: {
        operationId: 'deadLetter',
        summary: 'One dead letter with its whole payload',
        parameters: [
          { name: 'topic', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-zA-Z0-9._-]{1,249}$' } },
          { name: 'partition', in: 'path', required: true, schema: { type: 'integer', minimum: 0 } },
          { name: 'offset', in: 'path', required: true, schema: { type: 'string', pattern: '^\\d+$' } },
        ],
        responses: {
          '200': ok('The letter', ref('DeadLetter')),
          '404': { description: 'No dead letter at that position', content: jsonContent(ref('Error')) },
          ...errors,
        },
      },
    },
    '/api/alerts': {
      get: {
        operationId: 'alerts',
        summary: 'Alerts, newest first (open ones by default)',
        parameters: [
          { name: 'state', in: 'query', schema: { type: 'string', enum: ['open', 'resolved', 'all'], default: 'open' } },
          limitParam(50, 1000),
        ],
        responses: { '200': ok('The alerts', { type: 'array', items: ref('Alert') }), ...errors },
      },
    },
    '/api/openapi.json': {
      get: { operationId: 'openapi', summary: 'This document', responses: { '200': ok('OpenAPI 3.1', { type: 'object' }), '401': errors['401'] } },
    },
    '/healthz': {
      get: {
        operationId: 'healthz',
        summary: 'The process is alive (never needs the token)',
        security: [],
        responses: {
          '200': ok('Alive', { type: 'object', required: ['status'], additionalProperties: false, properties: { status: { const: 'ok' } } }),
        },
      },
    },
    '/readyz': {
      get: {
        operationId: 'readyz',
        summary: 'The database answers (and, where this process runs the ingest, the consumer is running)',
        responses: {
          '200': ok('Ready', ref('Readiness')),
          '503': { description: 'Not ready: the checks say why', content: jsonContent(ref('Readiness')) },
          '401': errors['401'],
        },
      },
    },
    '/metrics': {
      get: {
        operationId: 'metrics',
        summary: 'Prometheus metrics, text exposition format',
        responses: {
          '200': { description: 'The metrics', content: { 'text/plain': { schema: { type: 'string' } } } },
          '501': { description: 'This build has no metrics module', content: jsonContent(ref('Error')) },
          '401': errors['401'],
        },
      },
    },
  },
  components: {
    schemas,
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer', description: 'TXPIPE_HTTP_TOKEN' },
      basic: { type: 'http', scheme: 'basic', description: 'Any user name, TXPIPE_HTTP_TOKEN as the password (for browsers)' },
    },
  },
};
