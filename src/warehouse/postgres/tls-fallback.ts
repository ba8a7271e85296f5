/**
 * libpq's `allow` and `prefer` on node-postgres, which cannot fall back within one connection: a first
 * connection tries the options in order (tls.ts's postgresSslAttempts) and the pool uses the one that
 * worked. The next is tried only when the server turned the session down for its encryption: it has no
 * TLS ("does not support SSL connections"), or no pg_hba.conf line admits a session like this one
 * (SQLSTATE 28000, e.g. `hostssl` only, or `hostnossl` only). Anything else (an outage, a wrong password,
 * a certificate that fails its CA) is the answer, as it would be with one option.
 */
import pg from 'pg';
import type { SslOption } from './tls.ts';

/** The server refused this session for being, or not being, encrypted. */
export function refusedForEncryption(err: unknown): boolean {
  const e = err as { message?: unknown; code?: unknown } | null;
  return e?.code === '28000' || (typeof e?.message === 'string' && /does not support SSL connections/.test(e.message));
}

/** The first of `attempts` the server accepts a session with (the last one's error when none). */
export async function negotiateSsl(connectionString: string, attempts: readonly SslOption[]): Promise<SslOption> {
  for (const [i, ssl] of attempts.entries()) {
    if (i === attempts.length - 1) return ssl; // the pool's own connections give the last one's answer
    const client = new pg.Client({ connectionString, ssl });
    client.on('error', () => {});
    try {
      await client.connect();
      return ssl;
    } catch (err) {
      if (!refusedForEncryption(err)) throw err;
    } finally {
      await client.end().catch(() => {});
    }
  }
  throw new Error('no sslmode attempts');
}
