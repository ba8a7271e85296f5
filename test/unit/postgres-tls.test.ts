import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { postgresSslOption, postgresTlsSettings, withoutTlsParams } from '../../src/warehouse/postgres/tls.ts';

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
