/** loadConfig at its own module (src/config.ts; src/index.ts re-exports it), and the rule that settings load without the pipeline. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { loadConfig, ConfigError } from '../../src/config.ts';

test('no configuration means the embedded default', () => {
  const c = loadConfig({});
  assert.equal(c.databaseUrl, undefined);
  assert.equal(c.kafka, undefined);
  assert.equal(c.search, undefined);
  assert.equal(c.dataDir, './.txpipe');
  assert.equal(c.topic, 'transactions');
  assert.equal(c.schedule, '@hourly');
  assert.equal(c.batchSize, 10_000);
});

test('real servers are picked by their URLs, with auth and TLS', () => {
  const c = loadConfig({
    DATABASE_URL: 'postgres://u:p@db:5432/x',
    KAFKA_BROKERS: 'k1:9092,k2:9092',
    KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
    KAFKA_SASL_USERNAME: 'u',
    KAFKA_SASL_PASSWORD: 'p',
    KAFKA_SSL: 'true',
    ELASTICSEARCH_URL: 'https://es:9200',
    ELASTICSEARCH_API_KEY: 'k',
    TXPIPE_TOPIC_PARTITIONS: '6',
  });
  assert.equal(c.databaseUrl, 'postgres://u:p@db:5432/x');
  assert.deepEqual(c.kafka?.brokers, ['k1:9092', 'k2:9092']);
  assert.equal(c.kafka?.partitions, 6);
  assert.deepEqual(c.kafka?.sasl, { mechanism: 'SCRAM-SHA-512', username: 'u', password: 'p' });
  assert.deepEqual(c.kafka?.ssl, { ca: undefined, cert: undefined, key: undefined, rejectUnauthorized: true });
  assert.equal(c.search?.engine, 'elasticsearch');
  assert.equal(c.search?.apiKey, 'k');
  assert.equal(c.search?.index, 'hourly_metrics');
  assert.equal(c.search?.retentionDays, 400);
});

test('message size and event time window: defaults, both spellings of a time, and refusals naming the setting', () => {
  assert.deepEqual(loadConfig({}).events, {
    maxMessageBytes: 1_048_576,
    minEventTimeMs: Date.parse('1970-01-01T00:00:00Z'),
    maxEventTimeMs: Date.parse('2100-01-01T00:00:00Z'),
  });
  assert.deepEqual(loadConfig({ TXPIPE_MAX_MESSAGE_BYTES: '', TXPIPE_MIN_EVENT_TIME: '', TXPIPE_MAX_EVENT_TIME: '' }).events, loadConfig({}).events);
  const c = loadConfig({
    TXPIPE_MAX_MESSAGE_BYTES: '65536',
    TXPIPE_MIN_EVENT_TIME: '2020-01-01',
    TXPIPE_MAX_EVENT_TIME: '2030-06-01T12:00:00+02:00',
  });
  assert.deepEqual(c.events, {
    maxMessageBytes: 65_536,
    minEventTimeMs: Date.parse('2020-01-01T00:00:00Z'),
    maxEventTimeMs: Date.parse('2030-06-01T10:00:00Z'),
  });
  const bad: [Record<string, string>, RegExp][] = [
    [{ TXPIPE_MAX_MESSAGE_BYTES: '1MB' }, /^TXPIPE_MAX_MESSAGE_BYTES: .*\(got "1MB"\)$/],
    [{ TXPIPE_MAX_MESSAGE_BYTES: '100' }, /^TXPIPE_MAX_MESSAGE_BYTES: .*1024.*\(got "100"\)$/],
    [
      { TXPIPE_MIN_EVENT_TIME: 'yesterday' },
      /^TXPIPE_MIN_EVENT_TIME: must be a date YYYY-MM-DD or an RFC 3339 timestamp \(years 0001-9999\) \(got "yesterday"\)$/,
    ],
    [{ TXPIPE_MAX_EVENT_TIME: '2100-02-30' }, /^TXPIPE_MAX_EVENT_TIME: must be a date/],
    [{ TXPIPE_MIN_EVENT_TIME: '2030-01-01', TXPIPE_MAX_EVENT_TIME: '2020-01-01' }, /^TXPIPE_MIN_EVENT_TIME must be before TXPIPE_MAX_EVENT_TIME/],
  ];
  for (const [env, message] of bad) {
    assert.throws(
      () => loadConfig(env),
      (err: unknown) => err instanceof ConfigError && message.test((err as Error).message),
      JSON.stringify(env),
    );
  }
});

test('a wrong value is one line naming the setting', () => {
  const bad: [Record<string, string>, RegExp][] = [
    [{ TXPIPE_BATCH_SIZE: 'lots' }, /^TXPIPE_BATCH_SIZE: .*\(got "lots"\)$/],
    [{ OPENSEARCH_URL: 'not a url' }, /^OPENSEARCH_URL: /],
    [{ ELASTICSEARCH_URL: 'http://a:9200', OPENSEARCH_URL: 'http://b:9200' }, /both set: choose one search engine with TXPIPE_SEARCH_ENGINE=/],
    [{ TXPIPE_SEARCH_ENGINE: 'solr', OPENSEARCH_URL: 'http://b:9200' }, /^TXPIPE_SEARCH_ENGINE: /],
    [
      { TXPIPE_SEARCH_ENGINE: 'opensearch', ELASTICSEARCH_URL: 'http://a:9200' },
      /^TXPIPE_SEARCH_ENGINE is opensearch but OPENSEARCH_URL is not set$/,
    ],
    [{ TXPIPE_SEARCH_ENGINE: 'elasticsearch' }, /^TXPIPE_SEARCH_ENGINE is elasticsearch but ELASTICSEARCH_URL is not set$/],
    [{ KAFKA_SASL_MECHANISM: 'PLAIN' }, /KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required/],
    [{ TXPIPE_INDEX: 'Hourly Metrics' }, /^TXPIPE_INDEX: must be a lowercase index name/],
    [{ TXPIPE_LOG_LEVEL: 'loud' }, /^TXPIPE_LOG_LEVEL: /],
    [{ KIBANA_URL: 'kibana:5601' }, /^KIBANA_URL: must be an http:\/\/ or https:\/\/ URL \(got "kibana:5601"\)$/],
    [{ OPENSEARCH_DASHBOARDS_URL: 'not a url' }, /^OPENSEARCH_DASHBOARDS_URL: /],
  ];
  for (const [env, message] of bad) {
    assert.throws(
      () => loadConfig(env),
      (err: unknown) => err instanceof ConfigError && message.test((err as Error).message) && !(err as Error).message.includes('\n'),
    );
  }
});

test('with both search URLs set (as services:up exports them), TXPIPE_SEARCH_ENGINE picks one and its own credentials', () => {
  const both = {
    ELASTICSEARCH_URL: 'http://127.0.0.1:59400',
    ELASTICSEARCH_USERNAME: 'elastic',
    ELASTICSEARCH_PASSWORD: 'es-secret',
    OPENSEARCH_URL: 'http://127.0.0.1:59201',
    OPENSEARCH_USERNAME: 'admin',
    OPENSEARCH_PASSWORD: 'os-secret',
  };
  const es = loadConfig({ ...both, TXPIPE_SEARCH_ENGINE: 'elasticsearch' }).search;
  assert.deepEqual([es?.engine, es?.url, es?.username, es?.password], ['elasticsearch', 'http://127.0.0.1:59400', 'elastic', 'es-secret']);
  const os = loadConfig({ ...both, TXPIPE_SEARCH_ENGINE: 'opensearch' }).search;
  assert.deepEqual([os?.engine, os?.url, os?.username, os?.password], ['opensearch', 'http://127.0.0.1:59201', 'admin', 'os-secret']);
  // With one URL the choice may be left out, or name that engine; empty is unset.
  assert.equal(loadConfig({ OPENSEARCH_URL: both.OPENSEARCH_URL, TXPIPE_SEARCH_ENGINE: '' }).search?.engine, 'opensearch');
  assert.equal(loadConfig({ ELASTICSEARCH_URL: both.ELASTICSEARCH_URL, TXPIPE_SEARCH_ENGINE: 'elasticsearch' }).search?.engine, 'elasticsearch');
});

test('Kibana and OpenSearch Dashboards settings are read for `dashboards import`', () => {
  const c = loadConfig({
    KIBANA_URL: 'https://kibana:5601/base',
    KIBANA_SPACE: 'team-a',
    KIBANA_API_KEY: 'aWQ6a2V5',
    OPENSEARCH_DASHBOARDS_URL: 'http://osd:5601',
    OPENSEARCH_DASHBOARDS_USERNAME: 'admin',
    OPENSEARCH_DASHBOARDS_PASSWORD: ' ',
  });
  assert.deepEqual(c.dashboards, {
    kibana: { url: 'https://kibana:5601/base', space: 'team-a', apiKey: 'aWQ6a2V5', username: undefined, password: undefined },
    opensearchDashboards: { url: 'http://osd:5601', username: 'admin', password: undefined },
  });
});

test('empty values count as unset', () => {
  const c = loadConfig({ DATABASE_URL: '', KAFKA_BROKERS: '', OPENSEARCH_URL: '' });
  assert.equal(c.databaseUrl, undefined);
  assert.equal(c.kafka, undefined);
  assert.equal(c.search, undefined);
});

test('config.ts loads none of the DAG task modules', () => {
  // Follows the static relative imports from src/config.ts: settings must load without the pipeline.
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gm)) visit(resolve(dirname(file), m[1]!));
  };
  visit(join(import.meta.dirname, '..', '..', 'src', 'config.ts'));
  const reached = [...seen].map((f) => relative(join(import.meta.dirname, '..', '..'), f));
  assert.ok(reached.includes('src/dag/constants.ts'), reached.join(', '));
  assert.deepEqual(
    reached.filter((f) => f.startsWith('src/transform/') || f === 'src/dag/process-kafka-to-postgres.ts'),
    [],
  );
});

test('the HTTP server binds to loopback on 8080 unless told otherwise; a bad value names the setting, a secret is never echoed', () => {
  const c = loadConfig({});
  assert.deepEqual(c.http, { host: '127.0.0.1', port: 8080, token: undefined, localApiPort: 0 });
  const set = loadConfig({ TXPIPE_HTTP_HOST: '0.0.0.0', TXPIPE_HTTP_PORT: '9000', TXPIPE_HTTP_TOKEN: 's3cret', TXPIPE_LOCAL_API_PORT: '9001' });
  assert.deepEqual(set.http, { host: '0.0.0.0', port: 9000, token: 's3cret', localApiPort: 9001 });
  for (const [env, message] of [
    [{ TXPIPE_HTTP_PORT: '70000' }, /^TXPIPE_HTTP_PORT: .*\(got "70000"\)$/],
    [{ TXPIPE_HTTP_HOST: 'my host' }, /^TXPIPE_HTTP_HOST: must be a host name or an IP address/],
    [{ TXPIPE_LOCAL_API_PORT: '-1' }, /^TXPIPE_LOCAL_API_PORT: /],
  ] as const) {
    assert.throws(
      () => loadConfig(env),
      (err: unknown) => err instanceof ConfigError && message.test((err as Error).message),
    );
  }
  // A secret's value stays out of the error line even when the problem is the secret itself.
  assert.throws(
    () => loadConfig({ TXPIPE_HTTP_TOKEN: 'hunter2 with spaces' }),
    (err: unknown) =>
      err instanceof ConfigError &&
      /^TXPIPE_HTTP_TOKEN: must be visible ASCII .* \(value hidden\)$/.test((err as Error).message) &&
      !(err as Error).message.includes('hunter2'),
  );
});

test('data-quality settings: documented defaults from the generator, lists and severities parsed, a bad value names the setting', () => {
  const q = loadConfig({}).quality;
  assert.deepEqual(q.acceptedCurrencies, ['USD', 'EUR', 'GBP', 'JPY', 'INR']);
  assert.deepEqual(q.acceptedStatuses, ['completed', 'pending', 'failed', 'refunded']);
  assert.deepEqual([q.amountMin, q.amountMax, q.latencyMinSeconds, q.latencyMaxSeconds], [0, 1_000_000, 0, 86_400]);
  assert.deepEqual([q.freshnessSeconds, q.deadLetterRatio, q.deadLetterMinRecords], [7200, 0.05, 100]);
  assert.deepEqual([q.volumeDays, q.volumeMinDays, q.volumeMaxZ], [7, 3, 3.5]);
  assert.equal(q.severity.unique_transaction_id, 'error');
  assert.equal(q.severity.amount_range, 'warn');

  const c = loadConfig({
    TXPIPE_QUALITY_ACCEPTED_CURRENCIES: 'USD, CHF',
    TXPIPE_QUALITY_ACCEPTED_STATUSES: 'ok',
    TXPIPE_QUALITY_LATENCY_MIN_SECONDS: '-5',
    TXPIPE_QUALITY_SEVERITY: 'not_null=warn, accepted_values=error,hourly_volume=error',
  }).quality;
  assert.deepEqual(c.acceptedCurrencies, ['USD', 'CHF']);
  assert.deepEqual(c.acceptedStatuses, ['ok']);
  assert.equal(c.latencyMinSeconds, -5);
  assert.deepEqual(
    [
      c.severity.not_null_amount,
      c.severity.not_null_transaction_id,
      c.severity.accepted_values_status,
      c.severity.accepted_values_currency,
      c.severity.hourly_volume,
      c.severity.freshness,
    ],
    ['warn', 'warn', 'error', 'error', 'error', 'warn'],
  );

  const refused = (env: Record<string, string>, message: string) =>
    assert.throws(
      () => loadConfig(env),
      (e: Error) => e instanceof ConfigError && e.message === message,
    );
  refused({ TXPIPE_QUALITY_ACCEPTED_CURRENCIES: 'USD,eur' }, 'TXPIPE_QUALITY_ACCEPTED_CURRENCIES: must be three uppercase letters (got "USD,eur")');
  refused(
    { TXPIPE_QUALITY_SEVERITY: 'freshness=fatal' },
    'TXPIPE_QUALITY_SEVERITY: severity of freshness must be warn or error (got "freshness=fatal")',
  );
  refused(
    { TXPIPE_QUALITY_SEVERITY: 'freshness' },
    'TXPIPE_QUALITY_SEVERITY: expected check=warn|error pairs separated by commas, got "freshness" (got "freshness")',
  );
  assert.throws(
    () => loadConfig({ TXPIPE_QUALITY_SEVERITY: 'nope=warn' }),
    /^ConfigError: TXPIPE_QUALITY_SEVERITY: unknown check "nope" \(known: not_null, accepted_values, not_null_transaction_id/,
  );
  refused(
    { TXPIPE_QUALITY_AMOUNT_MIN: '10', TXPIPE_QUALITY_AMOUNT_MAX: '5' },
    'TXPIPE_QUALITY_AMOUNT_MIN: must not be above TXPIPE_QUALITY_AMOUNT_MAX (10 > 5)',
  );
  refused({ TXPIPE_QUALITY_VOLUME_MAX_Z: '0' }, 'TXPIPE_QUALITY_VOLUME_MAX_Z: Too small: expected number to be >0 (got "0")');
});

test('hosts, ports, sslmode, files and the data directory are checked before anything opens', () => {
  const dir = mkdtempSync(join(tmpdir(), 'txpipe-config-'));
  try {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const bad: [Record<string, string>, RegExp][] = [
      [{ DATABASE_URL: 'postgres://127.0.0.1:99999/x' }, /^DATABASE_URL: port "99999" is out of range \(1-65535\)$/],
      [{ DATABASE_URL: 'postgres://127.0.0.1:0/x' }, /^DATABASE_URL: port "0" is out of range/],
      [{ DATABASE_URL: 'postgres://h:54x2/x' }, /^DATABASE_URL: port "54x2" is out of range/],
      [{ DATABASE_URL: 'postgres:///x' }, /^DATABASE_URL: has no host/],
      [{ DATABASE_URL: 'postgres://u:pw@/x' }, /^DATABASE_URL: has no host/],
      [
        { DATABASE_URL: 'postgres://u:pw@h/x?sslmode=bogus' },
        /^DATABASE_URL sslmode: must be one of disable, allow, prefer, require, verify-ca, verify-full \(got "bogus"\)$/,
      ],
      [{ DATABASE_URL: 'mysql://u:pw@h/x' }, /^DATABASE_URL: must start with postgres:\/\/ or postgresql:\/\/ \(got "mysql:\/\/u:\*\*\*@h\/x"\)$/],
      [{ KAFKA_BROKERS: 'host:99999' }, /^KAFKA_BROKERS: port "99999" is out of range \(1-65535\) in "host:99999"$/],
      [{ KAFKA_BROKERS: 'k1:9092,:9092' }, /^KAFKA_BROKERS: must be host:port/],
      [{ KAFKA_BROKERS: 'k1:9092', KAFKA_SSL_CA_FILE: join(dir, 'missing.pem') }, /^KAFKA_SSL_CA_FILE: no such file .*missing\.pem$/],
      [{ KAFKA_BROKERS: 'k1:9092', KAFKA_SSL_CA_FILE: dir }, /^KAFKA_SSL_CA_FILE: .* is a directory, not a file$/],
      [{ TXPIPE_DATA_DIR: file }, /^TXPIPE_DATA_DIR: .*a-file is a file, not a directory$/],
      [{ TXPIPE_DATA_DIR: join(file, 'data') }, /^TXPIPE_DATA_DIR: cannot create .*a-file\/data: .*a-file is a file$/],
      [{ TXPIPE_DATA_DIR: '/proc/x' }, /^TXPIPE_DATA_DIR: \/proc\/x is on a system filesystem \(proc\)/],
      [{ TXPIPE_DATA_DIR: '/sys/txpipe' }, /^TXPIPE_DATA_DIR: \/sys\/txpipe is on a system filesystem \(sys\)/],
    ];
    for (const [env, message] of bad) {
      assert.throws(
        () => loadConfig(env),
        (err: unknown) => err instanceof ConfigError && message.test((err as Error).message) && !(err as Error).message.includes('pw'),
        JSON.stringify(env),
      );
    }
    // What is fine: libpq's modes, a socket directory instead of a host, IPv6, a readable CA file,
    // a data directory yet to be created (nothing is created by loading), and a data directory that
    // does not matter because DATABASE_URL is set.
    for (const mode of ['disable', 'prefer', 'require', 'verify-full']) loadConfig({ DATABASE_URL: `postgres://u@h:5432/x?sslmode=${mode}` });
    loadConfig({ DATABASE_URL: 'postgres://u@/x?host=/var/run/postgresql' });
    loadConfig({ DATABASE_URL: 'postgresql://u:p%40ss@[::1]:5432/x', KAFKA_BROKERS: '[::1]:9092,k2:19092', KAFKA_SSL_CA_FILE: file });
    const fresh = join(dir, 'new', 'data');
    assert.equal(loadConfig({ TXPIPE_DATA_DIR: fresh }).dataDir, fresh);
    assert.equal(existsSync(join(dir, 'new')), false);
    assert.equal(loadConfig({ TXPIPE_DATA_DIR: file, DATABASE_URL: 'postgres://h/x' }).databaseUrl, 'postgres://h/x');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
