/**
 * TLS to PostgreSQL with libpq's settings and meanings, so a DATABASE_URL that works with psql works here:
 * `sslmode`, `sslrootcert`, `sslcert`, `sslkey` in the URL's query, or PGSSLMODE, PGSSLROOTCERT, PGSSLCERT,
 * PGSSLKEY in the environment (the URL wins). node-postgres reads some of these itself with other
 * meanings (its `sslmode=require` verifies the certificate, libpq's does not; it ignores PGSSLROOTCERT),
 * so txpipe takes them out of the URL and hands the driver an explicit `ssl` option:
 *
 *   disable                  no TLS
 *   allow                    no TLS; TLS (unverified) when the server refuses a plaintext session
 *   prefer (the default)     TLS (unverified) when the server offers it, else no TLS
 *   require                  TLS, certificate not verified (verified against the CA file when one is
 *                            given, as libpq does)
 *   verify-ca                TLS, certificate signed by the CA file (required), host name not checked
 *   verify-full              TLS, certificate signed by the CA file (or the system's CAs) and naming the host
 *
 * A CA file without sslmode means verify-full: whoever names a CA wants it checked. node-postgres
 * cannot fall back from one to the other within a connection, so for allow and prefer the first
 * connection tries both, in libpq's order, and the pool keeps what worked (tls-fallback.ts).
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';

export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

export interface PostgresTlsSettings {
  mode: SslMode;
  /** CA certificate(s), PEM (sslrootcert / PGSSLROOTCERT). */
  caFile?: string;
  /** Client certificate and key for certificate authentication (sslcert / sslkey). */
  certFile?: string;
  keyFile?: string;
}

export class PostgresTlsError extends Error {
  override name = 'PostgresTlsError';
}

const PARAMS = ['sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'ssl', 'uselibpqcompat'] as const;

/** The TLS settings of a DATABASE_URL and the environment; throws PostgresTlsError for an sslmode libpq does not know. */
export function postgresTlsSettings(connectionString: string, env: Record<string, string | undefined> = process.env): PostgresTlsSettings {
  const query = queryOf(connectionString);
  const pick = (param: string, envKey: string) => nonEmpty(query.get(param)) ?? nonEmpty(env[envKey]);
  const caFile = pick('sslrootcert', 'PGSSLROOTCERT');
  const rawMode = pick('sslmode', 'PGSSLMODE') ?? (caFile ? 'verify-full' : 'prefer');
  if (!(SSL_MODES as readonly string[]).includes(rawMode)) {
    const from = query.get('sslmode') ? 'DATABASE_URL sslmode' : 'PGSSLMODE';
    throw new PostgresTlsError(`${from}: must be one of ${SSL_MODES.join(', ')} (got ${JSON.stringify(rawMode)})`);
  }
  const mode = rawMode as SslMode;
  if (mode === 'verify-ca' && !caFile) {
    throw new PostgresTlsError('sslmode=verify-ca needs a CA file: sslrootcert=<file> in DATABASE_URL or PGSSLROOTCERT');
  }
  return { mode, caFile, certFile: pick('sslcert', 'PGSSLCERT'), keyFile: pick('sslkey', 'PGSSLKEY') };
}

/** The connection string without the TLS parameters (txpipe passes them as the driver's `ssl` option). */
export function withoutTlsParams(connectionString: string): string {
  const at = connectionString.indexOf('?');
  if (at === -1) return connectionString;
  const query = new URLSearchParams(connectionString.slice(at + 1));
  for (const p of PARAMS) query.delete(p);
  const rest = query.toString();
  return rest ? `${connectionString.slice(0, at)}?${rest}` : connectionString.slice(0, at);
}

export type SslOption = false | ConnectionOptions;

/**
 * node-postgres's `ssl` options to try, in order: one for disable, require and the verify modes; two for
 * allow (plaintext, then TLS) and prefer (TLS, then plaintext), the TLS one unverified as in require.
 */
export function postgresSslAttempts(s: PostgresTlsSettings, read: (path: string) => Buffer = readFileSync): SslOption[] {
  if (s.mode === 'disable') return [false];
  if (s.mode === 'allow') return [false, postgresSslOption({ ...s, mode: 'require' }, read)];
  if (s.mode === 'prefer') return [postgresSslOption({ ...s, mode: 'require' }, read), false];
  return [postgresSslOption(s, read)];
}

/** node-postgres's `ssl` option for the settings; the files are read here (a missing one is named). */
export function postgresSslOption(s: PostgresTlsSettings, read: (path: string) => Buffer = readFileSync): SslOption {
  if (s.mode === 'disable' || s.mode === 'allow' || s.mode === 'prefer') return false;
  const file = (what: string, path: string | undefined) => {
    if (!path) return undefined;
    try {
      return read(path);
    } catch (err) {
      throw new PostgresTlsError(`${what}: cannot read ${path}: ${(err as Error).message}`, { cause: err });
    }
  };
  const options: ConnectionOptions = {};
  const ca = file('PostgreSQL CA file (sslrootcert / PGSSLROOTCERT)', s.caFile);
  if (ca) options.ca = ca;
  const cert = file('PostgreSQL client certificate (sslcert / PGSSLCERT)', s.certFile);
  if (cert) options.cert = cert;
  const key = file('PostgreSQL client key (sslkey / PGSSLKEY)', s.keyFile);
  if (key) options.key = key;
  if (s.mode === 'require' && !ca) options.rejectUnauthorized = false;
  else if (s.mode === 'require' || s.mode === 'verify-ca') options.checkServerIdentity = () => undefined;
  else options.rejectUnauthorized = true;
  return options;
}

function queryOf(connectionString: string): URLSearchParams {
  const at = connectionString.indexOf('?');
  return new URLSearchParams(at === -1 ? '' : connectionString.slice(at + 1));
}

function nonEmpty(s: string | null | undefined): string | undefined {
  return s ? s : undefined;
}
