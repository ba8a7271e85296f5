/**
 * The optional alert webhook (TXPIPE_ALERT_WEBHOOK_URL): each alert that fires or resolves is POSTed as
 * JSON, fire-and-forget: the evaluation never waits for it, so a slow or failing receiver never holds up
 * the pipeline. A delivery is retried with exponential backoff a bounded number of times (network
 * errors, 408, 429 and 5xx; any other answer is final), and its outcome is recorded on the alert's row
 * and logged when it fails.
 *
 * The URL is a secret (Slack, PagerDuty and the like put the token in the path or the query; others
 * use user:password@): messages only ever name it as scheme://host/…, and anything an error says is
 * scrubbed of its parts first. Credentials in the URL are sent as HTTP Basic auth (fetch refuses URLs
 * that carry them).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from '../sql.ts';
import type { Queryable } from '../warehouse/port.ts';
import type { AlertChange } from './alerts.ts';
import type { Logger } from './logger.ts';

export interface WebhookOptions {
  logger: Logger;
  /** Where delivery outcomes are recorded (table alerts). */
  db?: Queryable;
  /** Tries in all, the first included (default 4). */
  attempts?: number;
  /** Wait before the first retry, doubled for each next one (default 500 ms). */
  backoffMs?: number;
  /** Per try (default 5 s). */
  timeoutMs?: number;
  /** Told each delivery's outcome (metrics). */
  delivered?: (ok: boolean) => void;
}

/** What a receiver gets. */
export interface WebhookPayload {
  source: 'txpipe';
  event: AlertChange['change'];
  message: string;
  alert: AlertChange['alert'];
}

/** scheme://host/…: all of the URL a message may show. */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return '(webhook URL)';
  }
}

/** `text` with every secret part of `url` (the URL, its credentials, path and query) replaced by ***. */
export function scrubUrl(text: string, url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return text.split(url).join('***');
  }
  const secrets = new Set<string>([url, u.href]);
  for (const part of [u.username, u.password, u.pathname, u.search.slice(1), u.hash.slice(1)]) {
    if (part.length < 2 || part === '/') continue;
    secrets.add(part);
    try {
      secrets.add(decodeURIComponent(part));
    } catch {
      // not percent-encoded text: the raw form is enough
    }
  }
  let out = text;
  // Longest first, so a part inside a longer secret does not leave the rest of it behind.
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) out = out.split(s).join('***');
  return out;
}

class HttpError extends Error {
  readonly status: number;
  constructor(status: number) {
    super(`HTTP ${status}`);
    this.status = status;
  }
}

const retryable = (err: unknown) => !(err instanceof HttpError) || err.status === 408 || err.status === 429 || err.status >= 500;

export class AlertWebhook {
  readonly #url: string;
  readonly #target: URL;
  readonly #headers: Record<string, string>;
  readonly #o: Required<Omit<WebhookOptions, 'db' | 'delivered'>> & Pick<WebhookOptions, 'db' | 'delivered'>;
  readonly #inFlight = new Set<Promise<void>>();

  constructor(url: string, o: WebhookOptions) {
    this.#url = url;
    this.#o = { attempts: 4, backoffMs: 500, timeoutMs: 5000, ...o };
    this.#target = new URL(url);
    this.#headers = { 'content-type': 'application/json', 'user-agent': 'txpipe' };
    if (this.#target.username || this.#target.password) {
      const credentials = `${decodeURIComponent(this.#target.username)}:${decodeURIComponent(this.#target.password)}`;
      this.#headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
      this.#target.username = '';
      this.#target.password = '';
    }
  }

  /** The URL as messages may show it. */
  get masked(): string {
    return maskUrl(this.#url);
  }

  /** Starts delivering one change and returns at once. */
  send(change: AlertChange): void {
    const delivery = this.#deliver(change).catch((err: unknown) => {
      this.#o.logger.warn(`alert webhook ${this.masked}: ${this.#scrub(err)}`);
    });
    this.#inFlight.add(delivery);
    void delivery.finally(() => this.#inFlight.delete(delivery));
  }

  /** Resolves once every delivery started so far has succeeded or used its tries (a short command waits for this before it exits). */
  async settle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  async #deliver(change: AlertChange): Promise<void> {
    const payload: WebhookPayload = { source: 'txpipe', event: change.change, message: change.message, alert: change.alert };
    const body = JSON.stringify(payload);
    const { rule, key } = change.alert;
    await this.#record(rule, key, change.change, 'sending', 0, null);
    let error = '';
    for (let attempt = 1; attempt <= this.#o.attempts; attempt++) {
      try {
        const res = await fetch(this.#target, {
          method: 'POST',
          headers: this.#headers,
          body,
          signal: AbortSignal.timeout(this.#o.timeoutMs),
          redirect: 'error',
        });
        await res.body?.cancel();
        if (!res.ok) throw new HttpError(res.status);
        this.#o.delivered?.(true);
        this.#o.logger.debug(`alert webhook ${this.masked}: ${change.change} ${rule} ${key} delivered (try ${attempt})`);
        await this.#record(rule, key, change.change, 'delivered', attempt, null);
        return;
      } catch (err) {
        error = this.#scrub(err);
        if (attempt === this.#o.attempts || !retryable(err)) {
          this.#o.delivered?.(false);
          this.#o.logger.warn(`alert webhook ${this.masked}: ${change.change} ${rule} ${key} not delivered after ${attempt} tries: ${error}`);
          await this.#record(rule, key, change.change, 'failed', attempt, error);
          return;
        }
        await sleep(this.#o.backoffMs * 2 ** (attempt - 1));
      }
    }
  }

  /** Records a delivery's state on the alert; a warehouse that is gone by then only costs the record. */
  async #record(rule: string, key: string, event: string, state: string, attempts: number, error: string | null): Promise<void> {
    if (!this.#o.db) return;
    try {
      await this.#o.db.query(sql('alerts/record_webhook'), [rule, key, event, state, attempts, error]);
    } catch (err) {
      this.#o.logger.debug(`alert webhook: could not record the delivery of ${rule} ${key}: ${(err as Error).message}`);
    }
  }

  #scrub(err: unknown): string {
    const e = err as Error & { cause?: { message?: string; code?: string } };
    const text =
      e?.name === 'TimeoutError'
        ? `no answer within ${this.#o.timeoutMs} ms`
        : `${e?.message ?? String(err)}${e?.cause?.message ? ` (${e.cause.message})` : e?.cause?.code ? ` (${e.cause.code})` : ''}`;
    return scrubUrl(text, this.#url);
  }
}
