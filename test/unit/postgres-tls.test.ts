import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { postgresSslAttempts, postgresSslOption, postgresTlsSettings, withoutTlsParams } from '../../src/warehouse/postgres/tls.ts';
import { refusedForEncryption } from '../../src/warehouse/postgres/tls-fallback.ts';

const url = 'postgres://u@db:5432/w';

test('sslmode and the files come from the URL, else from PG* variables; the URL wins', () => {
  assert.deepEqual(postgresTlsSettings(`${url}?sslmode=verify-ca&sslrootcert=/a/ca.pem`, { PGSSLMODE: 'disable', PGSSLROOTCERT: '/b' }), {
    mode: 'verify-ca',
    caFile: '/a/ca.pem',
    certFile: undefined,
    keyFile: undefined,
  });
  assert.deepEqual(postgresTlsSettings(url, { PGSSLMODE: 'require', PGSSLCERT: '/c.crt', PGSSLKEY: '/c.key' }), {
    mode: 'require',
    caFile: undefined,
    certFile: '/c.crt',
    keyFile: '/c.key',
  });
  assert.equal(postgresTlsSettings(url, {}).mode, 'prefer');
  assert.equal(postgresTlsSettings(url, { PGSSLROOTCERT: '/ca.pem' }).mode, 'verify-full', 'a CA file alone means verify it');
});

test('unknown modes and verify-ca without a CA are refused, as config errors naming the setting', () => {
  assert.throws(
    () => loadConfig({ DATABASE_URL: `${url}?sslmode=on` }),
    /DATABASE_URL sslmode: must be one of disable, allow, prefer, require, verify-ca, verify-full \(got "on"\)/,
  );
  assert.throws(() => loadConfig({ DATABASE_URL: url, PGSSLMODE: 'no-verify' }), /PGSSLMODE: must be one of/);
  assert.throws(() => loadConfig({ DATABASE_URL: `${url}?sslmode=verify-ca` }), /verify-ca needs a CA file/);
  assert.equal(loadConfig({ DATABASE_URL: `${url}?sslmode=verify-full` }).databaseUrl, `${url}?sslmode=verify-full`);
});

test('the TLS parameters leave the connection string, the others stay', () => {
  assert.equal(withoutTlsParams(`${url}?sslmode=require&application_name=x&sslrootcert=/ca`), `${url}?application_name=x`);
  assert.equal(withoutTlsParams(`${url}?sslmode=require`), url);
  assert.equal(withoutTlsParams(url), url);
});

test('libpq meanings as node-postgres ssl options', () => {
  const read = (p: string) => Buffer.from(`PEM of ${p}`);
  assert.equal(postgresSslOption({ mode: 'prefer' }, read), false);
  assert.equal(postgresSslOption({ mode: 'disable', caFile: '/ca' }, read), false);
  assert.deepEqual(postgresSslOption({ mode: 'require' }, read), { rejectUnauthorized: false });
  const requireCa = postgresSslOption({ mode: 'require', caFile: '/ca' }, read) as {
    ca: Buffer;
    checkServerIdentity: unknown;
    rejectUnauthorized?: boolean;
  };
  assert.equal(requireCa.ca.toString(), 'PEM of /ca');
  assert.equal(typeof requireCa.checkServerIdentity, 'function', 'require with a CA verifies the chain, not the name (verify-ca)');
  assert.equal(requireCa.rejectUnauthorized, undefined);
  const full = postgresSslOption({ mode: 'verify-full', caFile: '/ca', certFile: '/c', keyFile: '/k' }, read) as Record<string, unknown>;
  assert.equal(full.rejectUnauthorized, true);
  assert.equal(full.checkServerIdentity, undefined);
  assert.equal(String(full.cert), 'PEM of /c');
  assert.throws(
    () =>
      postgresSslOption({ mode: 'verify-full', caFile: '/missing' }, () => {
        throw new Error('ENOENT');
      }),
    /CA file \(sslrootcert \/ PGSSLROOTCERT\): cannot read \/missing: ENOENT/,
  );
});

test('allow tries plaintext then TLS, prefer TLS then plaintext, the others one option; only an encryption refusal moves on', () => {
  const read = (path: string) => Buffer.from(`pem of ${path}`);
  assert.deepEqual(postgresSslAttempts({ mode: 'disable' }, read), [false]);
  assert.deepEqual(postgresSslAttempts({ mode: 'allow' }, read), [false, { rejectUnauthorized: false }]);
  assert.deepEqual(postgresSslAttempts({ mode: 'prefer' }, read), [{ rejectUnauthorized: false }, false]);
  assert.equal(postgresSslAttempts({ mode: 'require' }, read).length, 1);
  assert.equal(postgresSslAttempts({ mode: 'verify-full', caFile: '/ca' }, read).length, 1);
  // prefer with a CA file checks the chain when the server offers TLS, as libpq does.
  const [tls] = postgresSslAttempts({ mode: 'prefer', caFile: '/ca' }, read) as [{ ca: Buffer }];
  assert.equal(tls.ca.toString(), 'pem of /ca');

  assert.equal(refusedForEncryption(new Error('The server does not support SSL connections')), true);
  assert.equal(
    refusedForEncryption(
      Object.assign(new Error('no pg_hba.conf entry for host "127.0.0.1", user "u", database "d", no encryption'), { code: '28000' }),
    ),
    true,
  );
  assert.equal(refusedForEncryption(Object.assign(new Error('password authentication failed for user "u"'), { code: '28P01' })), false);
  assert.equal(refusedForEncryption(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })), false);
  assert.equal(refusedForEncryption(new Error('self-signed certificate in certificate chain')), false);
});
