/**
 * TLS to PostgreSQL with libpq's settings, on a private server started with ssl=on and a certificate of
 * a throwaway CA: verify-full with the CA file connects (and the session really is TLS), the wrong CA is
 * refused, require without a CA connects unverified, disable stays plaintext, and the CLI takes the same
 * settings from PGSSLMODE / PGSSLROOTCERT.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PrivatePostgres } from '../support/private-servers.ts';
import { createTestCa, type TestCa } from '../support/test-ca.ts';
import { runCli } from '../support/cli.ts';
import { adminUrl, testName } from '../support/target.ts';
import { PostgresWarehouse } from '../../src/warehouse/postgres/postgres-warehouse.ts';

let ca: TestCa;
let other: TestCa;
let server: PrivatePostgres;
let base: string;

before(async () => {
  ca = createTestCa();
  other = createTestCa('some other CA');
  server = await PrivatePostgres.start({ tls: { certFile: ca.certFile, keyFile: ca.keyFile } });
  base = await server.createDatabase(testName());
});

after(() => {
  server?.stop();
  ca?.remove();
  other?.remove();
});

/** Whether the session of a fresh connection is encrypted, per the server (pg_stat_ssl). */
async function sessionTls(url: string): Promise<boolean> {
  const w = new PostgresWarehouse({ connectionString: url, max: 1 });
  try {
    const [row] = await w.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    return row!.ssl;
  } finally {
    await w.close();
  }
}

test('sslmode=verify-full with the CA file connects over TLS, for 127.0.0.1 and localhost', async () => {
  assert.equal(await sessionTls(`${base}?sslmode=verify-full&sslrootcert=${encodeURIComponent(ca.caFile)}`), true);
  assert.equal(await sessionTls(`${base.replace('127.0.0.1', 'localhost')}?sslmode=verify-full&sslrootcert=${encodeURIComponent(ca.caFile)}`), true);
});

test('the wrong CA is refused, with verify-full and verify-ca alike', async () => {
  for (const mode of ['verify-full', 'verify-ca', 'require']) {
    await assert.rejects(
      sessionTls(`${base}?sslmode=${mode}&sslrootcert=${encodeURIComponent(other.caFile)}`),
      /self[- ]signed|unable to (verify|get)|certificate/i,
      mode,
    );
  }
});

test('require without a CA is TLS unverified (as libpq), disable is plaintext', async () => {
  assert.equal(await sessionTls(`${base}?sslmode=require`), true);
  assert.equal(await sessionTls(`${base}?sslmode=disable`), false);
});

test('prefer (the default) is TLS where the server offers it and plaintext where not; allow is plaintext first, TLS when the server wants it', async () => {
  assert.equal(await sessionTls(base), true, 'no sslmode is prefer: this server offers TLS');
  assert.equal(await sessionTls(`${base}?sslmode=prefer`), true);
  assert.equal(await sessionTls(`${base}?sslmode=allow`), false, 'allow takes plaintext where the server accepts it');
  // The shared server has no TLS: prefer falls back.
  const plain = adminUrl();
  const plainWith = (mode: string) => `${plain}${plain.includes('?') ? '&' : '?'}sslmode=${mode}`;
  assert.equal(await sessionTls(plain), false);
  assert.equal(await sessionTls(plainWith('prefer')), false);
  assert.equal(await sessionTls(plainWith('allow')), false);
  // A server that takes TCP sessions over TLS only: allow retries with TLS; disable is refused, with the server's reason.
  const tlsOnly = await PrivatePostgres.start({ tls: { certFile: ca.certFile, keyFile: ca.keyFile }, tlsOnly: true });
  try {
    const url = await tlsOnly.createDatabase(testName());
    assert.equal(await sessionTls(`${url}?sslmode=allow`), true);
    assert.equal(await sessionTls(url), true);
    await assert.rejects(sessionTls(`${url}?sslmode=disable`), /no pg_hba\.conf entry .* no encryption/);
    // And through the CLI, which a pool of several connections and the writer thread serve.
    const migrated = await runCli(['migrate'], { DATABASE_URL: `${url}?sslmode=allow` });
    assert.equal(migrated.code, 0, migrated.stderr);
  } finally {
    tlsOnly.stop();
  }
});

test('the CLI takes PGSSLMODE and PGSSLROOTCERT; a wrong CA fails the command, an unknown sslmode is a config error', async () => {
  const ok = await runCli(['migrate'], { DATABASE_URL: base, PGSSLMODE: 'verify-full', PGSSLROOTCERT: ca.caFile });
  assert.equal(ok.code, 0, ok.stderr);
  const wrong = await runCli(['migrate'], { DATABASE_URL: base, PGSSLMODE: 'verify-full', PGSSLROOTCERT: other.caFile });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /certificate/i);
  const bad = await runCli(['status'], { DATABASE_URL: `${base}?sslmode=verify_full` });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /sslmode: must be one of disable, allow, prefer, require, verify-ca, verify-full \(got "verify_full"\)/);
  const missing = await runCli(['status'], { DATABASE_URL: base, PGSSLMODE: 'verify-full', PGSSLROOTCERT: '/nonexistent/ca.pem' });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /cannot read \/nonexistent\/ca\.pem/);
});
