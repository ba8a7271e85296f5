/**
 * Bulk writing shared by both engines: retry/backoff policy, per-item outcome and failure extraction,
 * and the chunked retry loop. The engine adapters only supply "send these bulk lines".
 *
 * Policy: up to `tries` attempts (default 5) with exponential backoff base * 2^(n-1) (default 200ms,
 * 400ms, 800ms, 1600ms between attempts, capped by maxDelayMs). A whole request that fails with 429,
 * 5xx or a connection/timeout error is resent; after the last try its error is thrown as the client
 * raised it. Within a response, items with status 429/5xx are resent (only those); other item errors
 * are failures at once. Items still 429/5xx after the last try become failures too.
 */
import type { BulkFailure, BulkResult } from './port.ts';
import { buildBulkOperations, chunk, BULK_CHUNK_SIZE, type BulkLine, type PreparedDoc } from './documents.ts';

export interface RetryPolicy {
  /** Attempts in total, including the first (>= 1). */
  tries: number;
  /** Delay before the second attempt; doubled before each next one. */
  baseDelayMs: number;
  /** Upper bound of one delay. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { tries: 5, baseDelayMs: 200, maxDelayMs: 30_000 };

/** Delay after failed attempt `attempt` (1-based): base * 2^(attempt-1), capped. */
export function backoffDelayMs(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
}

export function isRetryableStatus(status: number | undefined): boolean {
  return status === 429 || (status !== undefined && status >= 500 && status <= 599);
}

/** HTTP status of a client error (both clients' ResponseError carry meta.statusCode), if any. */
export function errorStatus(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { meta?: { statusCode?: unknown }; statusCode?: unknown };
  const status = e.meta?.statusCode ?? e.statusCode;
  // The Elasticsearch client gives a ConnectionError statusCode 0: no response, no status.
  return typeof status === 'number' && status > 0 ? status : undefined;
}

const TRANSIENT_ERROR_NAMES = new Set(['ConnectionError', 'TimeoutError', 'NoLivingConnectionsError']);

/** 429/5xx responses and connection-level errors (no response) are worth another try. */
export function isRetryableError(err: unknown): boolean {
  const status = errorStatus(err);
  if (status !== undefined) return isRetryableStatus(status);
  const name = (err as { name?: unknown } | null)?.name;
  return typeof name === 'string' && TRANSIENT_ERROR_NAMES.has(name);
}

interface BulkItemError {
  type?: string;
  reason?: string;
  caused_by?: BulkItemError;
}

/** One line of reason from a bulk item error: `type: reason (caused by: type: reason)`. */
export function failureReason(error: unknown): string {
  if (error === undefined || error === null) return 'unknown error';
  if (typeof error === 'string') return error;
  const e = error as BulkItemError;
  let text = [e.type, e.reason].filter((s) => typeof s === 'string' && s !== '').join(': ') || JSON.stringify(error);
  if (e.caused_by) text += ` (caused by: ${failureReason(e.caused_by)})`;
  return text;
}

export interface BulkOutcome {
  indexed: number;
  /** Items that failed with 429/5xx: to be resent. */
  retry: { doc: PreparedDoc; status: number; reason: string }[];
  /** Items that failed for good. */
  failures: BulkFailure[];
}

/**
 * Classifies a bulk response's items against the documents sent, in order (a bulk response lists one
 * item per action, in request order).
 */
export function extractBulkOutcome(response: unknown, sent: readonly PreparedDoc[]): BulkOutcome {
  const items = (response as { items?: unknown } | null)?.items;
  const list = Array.isArray(items) ? (items as Record<string, unknown>[]) : [];
  const outcome: BulkOutcome = { indexed: 0, retry: [], failures: [] };
  sent.forEach((doc, i) => {
    const item = list[i];
    const result = item ? (Object.values(item)[0] as { _id?: string; status?: number; error?: unknown } | undefined) : undefined;
    if (!result || typeof result.status !== 'number') {
      outcome.failures.push({ id: doc.id, status: 0, reason: 'no result for this document in the bulk response' });
      return;
    }
    const status = result.status;
    // A removal of a document that is not there has nothing left to do.
    if ((status >= 200 && status <= 299 && !result.error) || (!doc.doc && status === 404)) {
      outcome.indexed++;
    } else if (isRetryableStatus(status)) {
      outcome.retry.push({ doc, status, reason: failureReason(result.error) });
    } else {
      outcome.failures.push({ id: result._id ?? doc.id, status, reason: failureReason(result.error) });
    }
  });
  return outcome;
}

export type SendBulk = (lines: BulkLine[]) => Promise<unknown>;

export interface BulkWriteOptions {
  retry?: RetryPolicy;
  chunkSize?: number;
  sleep?: (ms: number) => Promise<void>;
  log?: (line: string) => void;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Writes documents in chunks of <= chunkSize with the retry policy above. */
export async function writeBulk(docs: readonly PreparedDoc[], send: SendBulk, options: BulkWriteOptions = {}): Promise<BulkResult> {
  const policy = options.retry ?? DEFAULT_RETRY;
  const wait = options.sleep ?? sleep;
  const log = options.log ?? (() => {});
  const result: BulkResult = { indexed: 0, failures: [] };
  for (const part of chunk(docs, options.chunkSize ?? BULK_CHUNK_SIZE)) {
    let pending: PreparedDoc[] = part;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const last = attempt >= policy.tries;
      let response: unknown;
      try {
        response = await send(buildBulkOperations(pending));
      } catch (err) {
        if (last || !isRetryableError(err)) throw err;
        const delay = backoffDelayMs(policy, attempt);
        log(`bulk request failed (${errorStatus(err) ?? (err as Error).name}), retrying in ${delay}ms (attempt ${attempt}/${policy.tries})`);
        await wait(delay);
        continue;
      }
      const outcome = extractBulkOutcome(response, pending);
      result.indexed += outcome.indexed;
      result.failures.push(...outcome.failures);
      if (outcome.retry.length === 0) break;
      if (last) {
        for (const r of outcome.retry) {
          result.failures.push({ id: r.doc.id, status: r.status, reason: `${r.reason} (still failing after ${policy.tries} tries)` });
        }
        break;
      }
      const delay = backoffDelayMs(policy, attempt);
      log(
        `${outcome.retry.length} document(s) rejected with ${outcome.retry[0]!.status}, resending them in ${delay}ms (attempt ${attempt}/${policy.tries})`,
      );
      pending = outcome.retry.map((r) => r.doc);
      await wait(delay);
    }
  }
  return result;
}
