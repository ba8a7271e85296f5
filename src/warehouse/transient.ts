/**
 * Which database errors a retry can cure, and how: a conflict with another transaction is retried at
 * once (the same work may well succeed a moment later); a lost or refused connection is an outage,
 * waited out with backoff by whoever owns the work; anything else (bad SQL, bad data, bad credentials,
 * a missing database) no retry can fix.
 */

/** Conflicts with a concurrent transaction. */
const CONFLICT_SQLSTATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available (lock_timeout)
  '23505', // unique_violation: for the ingest, another process stored the same new transaction_id first
]);

/** The server went away or is not accepting connections yet. */
const OUTAGE_SQLSTATES = new Set([
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down, in recovery)
  '53300', // too_many_connections
]);
const OUTAGE_NODE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
/** node-postgres reports a connection closed under it without a code. */
const OUTAGE_MESSAGES = /^Connection terminated|connection timeout|Client has encountered a connection error/i;

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function isConflict(err: unknown): boolean {
  const code = codeOf(err);
  return code !== undefined && CONFLICT_SQLSTATES.has(code);
}

/** A lost, refused or not-yet-accepted connection to PostgreSQL (observe/outage.ts adds Kafka's). */
export function isOutage(err: unknown): boolean {
  const code = codeOf(err);
  if (code !== undefined && (OUTAGE_SQLSTATES.has(code) || code.startsWith('08') || OUTAGE_NODE_CODES.has(code))) return true;
  const cause = (err as { cause?: unknown } | null)?.cause;
  if (cause !== undefined && cause !== err && isOutage(cause)) return true;
  return err instanceof Error && OUTAGE_MESSAGES.test(err.message);
}
