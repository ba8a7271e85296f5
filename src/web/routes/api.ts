/** The read API under /api/: each route one ReadSource call (or the ingest pace), as JSON. */
import { HttpError, intParam, isoParam, json, textParam, type Route } from '../http.ts';
import { keyOf } from '../dead-letters.ts';
import { latencyJson, metricsJson } from '../hourly-json.ts';
import type { IngestPace } from '../ingest-pace.ts';
import { openApiDocument } from '../openapi.ts';
import type { ReadSource } from '../source.ts';

export function apiRoutes(source: ReadSource, pace: IngestPace): Route[] {
  const range = (url: URL) => ({ from: isoParam(url, 'from'), to: isoParam(url, 'to') });
  return [
    { path: '/api/openapi.json', handle: async () => json(openApiDocument) },
    { path: '/api/status', handle: async () => json(await source.status()) },
    { path: '/api/ingest', handle: async () => json(await pace.read()) },
    { path: '/api/hourly-metrics', handle: async ({ url }) => json(metricsJson(await source.hourlyMetrics(range(url)))) },
    { path: '/api/hourly-latency', handle: async ({ url }) => json(latencyJson(await source.hourlyLatency(range(url)))) },
    { path: '/api/quality', handle: async ({ url }) => json(await source.quality({ runId: textParam(url, 'run', 1000) })) },
    { path: '/api/runs', handle: async ({ url }) => json(await source.runs({ limit: intParam(url, 'limit', 1, 10_000, 20) })) },
    {
      path: '/api/dead-letters',
      handle: async ({ url }) =>
        json(await source.deadLetters({ limit: intParam(url, 'limit', 1, 10_000, 50), reason: textParam(url, 'reason', 1000) })),
    },
    {
      path: /^\/api\/dead-letters\/([^/]+)\/([^/]+)\/([^/]+)$/,
      handle: async ({ params }) => {
        const key = keyOf(params[0]!, params[1]!, params[2]!);
        if (!key) throw new HttpError(400, 'bad_request', 'a dead letter is /api/dead-letters/<topic>/<partition>/<offset>');
        const letter = await source.deadLetter(key);
        if (!letter) throw new HttpError(404, 'not_found', `no dead letter at ${key.topic}/${key.partition}/${key.offset}`);
        return json(letter);
      },
    },
  ];
}
