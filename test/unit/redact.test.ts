import { strict as assert } from 'node:assert';
import { afterEach, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { describeError } from '../../src/cli/errors.ts';
import { createLogger } from '../../src/observe/logger.ts';
import { clearSecrets, redact, redactError, redactUrl, registerSecrets, secretsOf } from '../../src/observe/redact.ts';

afterEach(() => clearSecrets());

describe('redact by shape', () => {
  for (const url of [
    'postgres://app:s3cretPw@db.example:5432/warehouse',
    'postgresql://app:s3cretPw@db.example/warehouse?sslmode=verify-full',
    'mysql://u:s3cretPw@host/x',
    'https://elastic:s3cretPw@es.example:9200',
    'http://admin:s3cretPw@127.0.0.1:5601/base',
    'amqp://guest:s3cretPw@mq/vhost',
    'kafka+sasl://user:s3cretPw@broker:9092',
    'redis://:s3cretPw@cache:6379/0',
  ]) {
    test(`a URL's password is masked, the rest kept: ${url.split(':')[0]}`, () => {
      const masked = redactUrl(url);
      assert.ok(!masked.includes('s3cretPw'), masked);
      assert.equal(masked, url.replace('s3cretPw', '***'));
    });
  }

  test('the issue case: a mistyped scheme still has its password masked inside a sentence', () => {
    assert.equal(redact('cannot connect to mysql://u:PASSWORD@host/x: refused'), 'cannot connect to mysql://u:***@host/x: refused');
  });

  test('query-string secrets are masked, other parameters kept', () => {
    assert.equal(
      redact('GET https://h/x?user=bob&password=hunter22&sslmode=require&api_key=abcd1234&token=t0k3n'),
      'GET https://h/x?user=bob&password=***&sslmode=require&api_key=***&token=***',
    );
  });

  test('libpq conninfo and key: value forms', () => {
    assert.equal(redact('host=db user=app password=hunter22 dbname=w'), 'host=db user=app password=*** dbname=w');
    assert.equal(redact("config { password: 'hunter 22', user: 'x' }"), "config { password: ***, user: 'x' }");
  });

  test('Authorization header credentials', () => {
    assert.equal(redact('authorization: Bearer abc.def-123'), 'authorization: Bearer ***');
    assert.equal(redact('Authorization: Basic dXNlcjpwYXNz'), 'Authorization: Basic ***');
    assert.equal(redact('{"authorization":"Basic dXNlcjpwYXNz"}'), '{"authorization":"Basic ***"}');
    assert.equal(redact('sent ApiKey Zm9vOmJhcg=='), 'sent ApiKey ***');
    assert.equal(redact('Basic setup done; Token bucket full'), 'Basic setup done; Token bucket full');
  });

  test('ordinary text is left alone', () => {
    const line = 'applied 0001_init, 0002_x; ingested 1000 events from https://broker:9092 in 2.5 s (token bucket ok)';
    assert.equal(redact(line), line);
  });
});

describe('redact by value', () => {
  test('a registered secret is masked in every form: raw, percent-encoded, JSON-escaped', () => {
    const secret = 'p@ss/wo"rd#1';
    registerSecrets([secret]);
    for (const form of [secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)]) {
      const out = redact(`x ${form} y`);
      assert.equal(out, 'x *** y', form);
    }
  });

  test('secretsOf takes secret-named settings, URL passwords (raw and decoded) and Basic credentials', () => {
    const env = {
      DATABASE_URL: 'postgres://app:p%40ss%2Fword@db/w',
      KAFKA_SASL_USERNAME: 'txp',
      KAFKA_SASL_PASSWORD: 'saslSecret',
      ELASTICSEARCH_API_KEY: 'esKeyValue',
      TXPIPE_HTTP_TOKEN: 'httpToken1',
      TXPIPE_ALERT_WEBHOOK_URL: 'https://hooks.example/T0/B0/XYZsecret',
      OPENSEARCH_URL: 'https://u:osPass1@os:9200',
      TXPIPE_TOPIC: 'transactions',
    };
    const secrets = secretsOf(env);
    for (const s of [
      'p%40ss%2Fword',
      'p@ss/word',
      'saslSecret',
      Buffer.from('txp:saslSecret').toString('base64'),
      'esKeyValue',
      'httpToken1',
      env.TXPIPE_ALERT_WEBHOOK_URL,
      'osPass1',
      Buffer.from('u:osPass1').toString('base64'),
    ]) {
      assert.ok(secrets.includes(s), s);
    }
    assert.ok(!secrets.includes('transactions'));
  });

  test('short values are not masked by value (they would blank every line)', () => {
    registerSecrets(['no', 'ab1']);
    assert.equal(redact('no ab1 here'), 'no ab1 here');
  });
});

describe('errors', () => {
  test('an error whose message embeds a URL or a pg connection string, with causes and stack', () => {
    const inner = new Error('connect ECONNREFUSED for postgres://app:innerPw9@db/w');
    const outer = new Error('could not open host=db password=outerPw9 dbname=w', { cause: inner });
    const agg = new AggregateError([new Error('broker sasl://u:aggPw99@k:9092 said no')], 'all failed');
    for (const text of [describeError(outer), redactError(outer, { stack: true }), describeError(agg)]) {
      const masked = redact(text);
      for (const s of ['innerPw9', 'outerPw9', 'aggPw99']) assert.ok(!masked.includes(s), masked);
    }
    assert.ok(redactError(outer, { stack: true }).includes('at '), 'the stack is kept, masked');
  });

  test('a config error echoing a bad URL masks its password', () => {
    assert.throws(
      () => loadConfig({ DATABASE_URL: 'mysql://u:PASSWORD@host/x' }),
      (err: Error) => err.message.includes('mysql://u:***@host/x') && !err.message.includes('PASSWORD'),
    );
  });
});

describe('the logger', () => {
  test('masks messages, fields, nested errors and secret-named fields at every level, JSON and pretty', () => {
    registerSecrets(['regSecret1']);
    for (const format of ['json', 'pretty'] as const) {
      const lines: string[] = [];
      const log = createLogger('debug', 'txpipe', (l) => lines.push(l), format);
      log.debug('to postgres://a:urlPw123@h/d');
      log.info('with regSecret1 inside');
      log.warn('fields', { password: 'fieldPw12', nested: { token: 'nestTok12' }, url: 'https://u:fldUrlPw@x' });
      log.error('err', { err: new Error('boom mysql://u:errPw123@h') });
      assert.equal(lines.length, 4);
      const all = lines.join('\n');
      for (const s of ['urlPw123', 'regSecret1', 'fieldPw12', 'nestTok12', 'fldUrlPw', 'errPw123'])
        assert.ok(!all.includes(s), `${format}: ${s} in ${all}`);
      assert.ok(all.includes('***'));
    }
  });
});

describe('the CLI', () => {
  test('an error that escapes every handler (a stray rejection) is one masked line, exit 1', async () => {
    const { spawnSync } = await import('node:child_process');
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { nodeFlags, repoRoot, cliEnv } = await import('../support/cli.ts');
    const dir = mkdtempSync(join(tmpdir(), 'txpipe-test-'));
    try {
      const preload = join(dir, 'stray.mjs');
      writeFileSync(preload, "setTimeout(() => Promise.reject(new Error('lost connection to postgres://app:strayPw77@db/w')), 1500);\n");
      const r = spawnSync(
        process.execPath,
        [
          ...nodeFlags,
          '--import',
          preload,
          join(repoRoot, 'src/cli/main.ts'),
          'generate',
          '--count',
          '100000000',
          '--rate',
          '1',
          '--out',
          join(dir, 'out.ndjson'),
        ],
        {
          env: cliEnv({ TXPIPE_LOG_LEVEL: 'debug', TXPIPE_DATA_DIR: join(dir, 'data') }),
          encoding: 'utf8',
          timeout: 60_000,
        },
      );
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, /^txpipe: lost connection to postgres:\/\/app:\*\*\*@db\/w$/m);
      assert.ok(!r.stderr.includes('strayPw77'), r.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
