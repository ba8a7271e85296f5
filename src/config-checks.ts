/**
 * The checks of loadConfig that go beyond the shape of a value: a URL's host and port, a broker list's
 * ports, files that must be readable, the embedded data directory. Each returns the problem as one line
 * naming the setting (loadConfig throws it as a ConfigError), or undefined. Nothing here opens a
 * connection or creates anything: only fs.stat/access.
 */
import { accessSync, constants, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';

function portProblem(key: string, port: string): string | undefined {
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65_535) {
    return `${key}: port ${JSON.stringify(port)} is out of range (1-65535)`;
  }
  return undefined;
}

/**
 * A `postgres://` URL as node-postgres would use it: a host (or a `host=` socket directory in the query),
 * a port in range, an sslmode libpq knows. The value itself is never echoed (it may hold a password).
 */
export function databaseUrlProblem(url: string): string | undefined {
  const key = 'DATABASE_URL';
  const m = /^postgres(?:ql)?:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)(?::([^/?#]*))?([^?#]*)(\?[^#]*)?/.exec(url);
  if (!m) return `${key}: must be postgres://[user[:password]@]host[:port]/database`;
  const [, host = '', port, , query = ''] = m;
  const params = new URLSearchParams(query.slice(1));
  if (host === '' && !params.get('host')) return `${key}: has no host (postgres://user@host:5432/database)`;
  if (port !== undefined && port !== '') {
    const problem = portProblem(key, port);
    if (problem) return problem;
  }
  try {
    if (host !== '') new URL(url);
  } catch {
    return `${key}: is not a valid URL (characters such as @ : / in the password must be percent-encoded)`;
  }
  // sslmode and the TLS files are checked by postgresTlsSettings (warehouse/postgres/tls.ts).
  return undefined;
}

/** `host:port[,host:port…]` with every port in range and no empty host. */
export function brokersProblem(brokers: string): string | undefined {
  for (const broker of brokers.split(',')) {
    const colon = broker.lastIndexOf(':');
    const host = broker.slice(0, colon);
    if (host === '' || host === '[]') return `KAFKA_BROKERS: ${JSON.stringify(broker)} has no host`;
    const problem = portProblem('KAFKA_BROKERS', broker.slice(colon + 1));
    if (problem) return `${problem} in ${JSON.stringify(broker)}`;
  }
  return undefined;
}

function stat(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function can(path: string, mode: number): boolean {
  try {
    accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
}

/** A file that must exist and be readable when the setting is given (a CA certificate, say). */
export function readableFileProblem(key: string, path: string): string | undefined {
  const s = stat(path);
  if (!s) return `${key}: no such file ${path}`;
  if (s.isDirectory()) return `${key}: ${path} is a directory, not a file`;
  if (!can(path, constants.R_OK)) return `${key}: cannot read ${path} (permission denied)`;
  return undefined;
}

/** Filesystems where nothing of ours can live (creating a directory there fails, or loops in Node's recursive mkdir). */
const PSEUDO_ROOTS = ['/proc', '/sys'];

/**
 * The embedded data directory: an existing writable directory, or a path whose nearest existing parent
 * is a writable directory (then the writing commands create it).
 */
export function dataDirProblem(dir: string): string | undefined {
  const key = 'TXPIPE_DATA_DIR';
  const full = resolve(dir);
  if (PSEUDO_ROOTS.some((root) => full === root || full.startsWith(`${root}/`))) {
    return `${key}: ${dir} is on a system filesystem (${full.split('/')[1]}); choose a directory of your own`;
  }
  let existing = full;
  let s = stat(existing);
  while (!s) {
    const parent = dirname(existing);
    if (parent === existing) break;
    existing = parent;
    s = stat(existing);
  }
  if (!s) return `${key}: cannot use ${dir}`;
  if (!s.isDirectory()) {
    return existing === full ? `${key}: ${dir} is a file, not a directory` : `${key}: cannot create ${dir}: ${existing} is a file`;
  }
  if (!can(existing, constants.W_OK | constants.X_OK)) {
    return existing === full ? `${key}: ${dir} is not writable` : `${key}: cannot create ${dir}: ${existing} is not writable`;
  }
  return undefined;
}
