/**
 * /healthz: the process is alive (the only route that never needs the token). /readyz: the database
 * answers, and whatever the hosting process adds (the ingest: its consumer is running); 503 and the
 * failing check otherwise.
 */
import { sql } from '../../sql.ts';
import { json, type Route } from '../http.ts';
import type { Queryable } from '../../warehouse/port.ts';

/** One readiness check: "ok", or what is wrong. */
export type ReadinessCheck = () => Promise<string>;

const CHECK_TIMEOUT_MS = 5_000;

export const healthzRoute: Route = { path: '/healthz', handle: async () => json({ status: 'ok' }) };

export function readyzRoute(db: Queryable, extra: Record<string, ReadinessCheck> = {}): Route {
  const checks: Record<string, ReadinessCheck> = {
    database: async () => {
      await db.query(sql('web/ping'));
      return 'ok';
    },
    ...extra,
  };
  return {
    path: '/readyz',
    handle: async () => {
      const results = await Promise.all(Object.entries(checks).map(async ([name, check]) => [name, await bounded(check)] as const));
      const ready = results.every(([, r]) => r === 'ok');
      return json({ status: ready ? 'ready' : 'not ready', checks: Object.fromEntries(results) }, ready ? 200 : 503);
    },
  };
}

async function bounded(check: ReadinessCheck): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${CHECK_TIMEOUT_MS / 1000} s`), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([check().catch((err: Error) => err.message || String(err)), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
