/**
 * Outages of the servers txpipe depends on (PostgreSQL, Kafka): which errors are one, and how a
 * long-running loop reports them: one line when an outage starts, one when it ends, none in between.
 */
import { isOutage as isDatabaseOutage } from '../warehouse/transient.ts';
import type { Logger } from './logger.ts';

/** @platformatic/kafka's codes for a broker that went away or did not answer in time. */
const KAFKA_OUTAGE_CODES = new Set(['PLT_KFK_NETWORK', 'PLT_KFK_TIMEOUT']);

function isKafkaOutage(err: unknown, depth = 0): boolean {
  if (depth > 4 || err === null || typeof err !== 'object') return false;
  const e = err as { code?: unknown; cause?: unknown; errors?: unknown[] };
  if (typeof e.code === 'string' && KAFKA_OUTAGE_CODES.has(e.code)) return true;
  if (e.cause !== undefined && isKafkaOutage(e.cause, depth + 1)) return true;
  return Array.isArray(e.errors) && e.errors.some((x) => isKafkaOutage(x, depth + 1));
}

/** A lost or refused connection to PostgreSQL or Kafka: worth waiting out. */
export function isOutage(err: unknown): boolean {
  return isDatabaseOutage(err) || isKafkaOutage(err);
}

/** Which server an outage error is about, for the log line. */
export function outageServer(err: unknown): string {
  return isKafkaOutage(err) ? 'Kafka' : 'PostgreSQL';
}

/** Capped exponential backoff: 250 ms, 500 ms, 1 s, … up to 5 s. */
export function backoffMs(attempt: number): number {
  return Math.min(5_000, 250 * 2 ** Math.max(0, attempt));
}

export class OutageLog {
  readonly #logger: Logger;
  #since: number | undefined;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  get ongoing(): boolean {
    return this.#since !== undefined;
  }

  /** An attempt failed for an outage: logged only if it starts one. */
  down(what: string, error: unknown): void {
    if (this.#since !== undefined) return;
    this.#since = Date.now();
    this.#logger.warn(`${what} unreachable (${(error as Error).message}); retrying with backoff until it answers`);
  }

  /** Something worked again: logged only if it ends an outage. */
  up(what: string): void {
    if (this.#since === undefined) return;
    this.#logger.info(`${what} reachable again after ${((Date.now() - this.#since) / 1000).toFixed(1)} s; resuming`);
    this.#since = undefined;
  }
}
