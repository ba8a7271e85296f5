/**
 * Waiting for a session advisory lock (Warehouse.withAdvisoryLock only tries): polled with a growing
 * pause, so a waiter can give up after a timeout or when its signal aborts, which a blocking
 * pg_advisory_lock could not.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Warehouse } from './port.ts';

export interface LockWait {
  /** Give up after this long (default: wait as long as it takes). */
  timeoutMs?: number;
  /** Give up when this aborts. */
  signal?: AbortSignal;
}

export async function withAdvisoryLockWaiting<T>(
  warehouse: Warehouse,
  key: bigint,
  fn: () => Promise<T>,
  wait: LockWait = {},
): Promise<{ acquired: true; value: T } | { acquired: false }> {
  const deadline = wait.timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + wait.timeoutMs;
  for (let attempt = 0; ; attempt++) {
    const locked = await warehouse.withAdvisoryLock(key, fn);
    if (locked.acquired || wait.signal?.aborted || Date.now() >= deadline) return locked;
    await sleep(Math.min(10 * 2 ** attempt, 250));
  }
}
