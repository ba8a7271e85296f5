/**
 * A ReadSource over HTTP: the read-only commands use it when another process holds the embedded data
 * directory (PGlite opens it in one process only) and serves its local API. Each call is one GET of the
 * same API the dashboard uses, parsed back into the rows the command would have read itself.
 */
import type { RecordedRun } from '../dag/run-history.ts';
import type { Status } from '../status.ts';
import type { StoredResult } from '../quality/results.ts';
import type { HourRange } from '../transform/hourly-metrics.ts';
import type { DeadLetter, DeadLetterSummary } from './dead-letters.ts';
import { parseLatencyJson, parseMetricsJson } from './hourly-json.ts';
import type { ReadSource } from './source.ts';

/** The API did not answer, or answered with an error. */
export class RemoteApiError extends Error {
  override name = 'RemoteApiError';
}

const TIMEOUT_MS = 60_000;

export function remoteSource(baseUrl: string, o: { token?: string; origin: string }): ReadSource {
  /** The body of a 200; a 404 is null where `missing` allows it (one dead letter), an error otherwise. */
  const get = async (path: string, query: Record<string, string | number | undefined> = {}, missing = false): Promise<string | null> => {
    const url = new URL(path, baseUrl);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    let res: Response;
    try {
      res = await fetch(url, {
        headers: o.token ? { authorization: `Bearer ${o.token}` } : {},
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (err) {
      const cause = (err as Error).cause as Error | undefined;
      throw new RemoteApiError(`${o.origin} did not answer: ${cause?.message ?? (err as Error).message}`, { cause: err });
    }
    const text = await res.text();
    if (res.status === 401) {
      throw new RemoteApiError(
        `${o.origin} needs its token: set TXPIPE_HTTP_TOKEN to the value that process was started with${o.token ? ' (the one set here is not it)' : ''}`,
      );
    }
    if (res.status === 404 && missing) return null;
    if (res.status !== 200) {
      let message = text;
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? text;
      } catch {
        // not JSON: the text is the message
      }
      throw new RemoteApiError(`${o.origin} answered ${res.status}: ${message}`);
    }
    return text;
  };
  const getJson = async <T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T> =>
    JSON.parse((await get(path, query))!) as T;
  const range = (r: HourRange) => ({ from: r.from, to: r.to });
  return {
    origin: o.origin,
    status: () => getJson<Status>('/api/status'),
    async hourlyMetrics(r) {
      return parseMetricsJson((await get('/api/hourly-metrics', range(r)))!);
    },
    async hourlyLatency(r) {
      return parseLatencyJson((await get('/api/hourly-latency', range(r)))!);
    },
    runs: (q) => getJson<RecordedRun[]>('/api/runs', { limit: q.limit }),
    quality: (q) => getJson<StoredResult[]>('/api/quality', { run: q.runId }),
    deadLetters: (q) => getJson<DeadLetterSummary[]>('/api/dead-letters', { limit: q.limit, reason: q.reason }),
    async deadLetter(key) {
      const path = `/api/dead-letters/${[key.topic, String(key.partition), key.offset].map(encodeURIComponent).join('/')}`;
      const text = await get(path, {}, true);
      return text === null ? null : (JSON.parse(text) as DeadLetter);
    },
  };
}
