/**
 * The real search engines of test/servers/ — Elasticsearch at ELASTICSEARCH_URL and OpenSearch at
 * OPENSEARCH_URL, as `services:up` exports them — and endpoints that are not a search engine. The
 * search tests run on every engine in ENGINES: a test names its engine and gives txpipe that engine's
 * URL alone, so what the outer shell exported (both URLs, TXPIPE_SEARCH_ENGINE) never picks for it.
 * A missing URL fails the test; it never skips.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import type { MetricsJson } from './assert-metrics.ts';

export type Engine = 'elasticsearch' | 'opensearch';

/** The engines the search tests and the end-to-end pipeline run on. */
export const ENGINES: readonly Engine[] = ['elasticsearch', 'opensearch'];

const URL_VARIABLE = { elasticsearch: 'ELASTICSEARCH_URL', opensearch: 'OPENSEARCH_URL' } as const;

export function engineUrl(engine: Engine): string {
  const variable = URL_VARIABLE[engine];
  const url = process.env[variable];
  if (!url) throw new Error(`${variable} must be set: eval "$(npm run -s services:up)" (the ${engine} tests never skip)`);
  return url.replace(/\/+$/, '');
}

/** The setting that points a txpipe process at this engine, and at it alone. */
export function engineEnv(engine: Engine): Record<string, string> {
  return { [URL_VARIABLE[engine]]: engineUrl(engine) };
}

export function opensearchUrl(): string {
  return engineUrl('opensearch');
}

export interface Answer {
  status: number;
  body: any;
}

/** One REST call, JSON in and out (both engines speak the same REST for what the tests read and write). */
export async function rest(engine: Engine, method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${engineUrl(engine)}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // a plain-text answer stays text
  }
  return { status: res.status, body: parsed };
}

/** Like rest() but fails unless the answer is 2xx. */
export async function restOk(engine: Engine, method: string, path: string, body?: unknown): Promise<any> {
  const answer = await rest(engine, method, path, body);
  assert.ok(answer.status >= 200 && answer.status < 300, `${engine} ${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/**
 * Whether the engine has its lifecycle API: ILM (Elasticsearch) or the ISM plugin (OpenSearch). Asked
 * by GET of one policy on Elasticsearch: without ILM a path of three segments has no handler (400),
 * while `GET _ilm/status` answers 405 there (another handler's pattern takes the two segments).
 */
export async function lifecyclePresent(engine: Engine): Promise<boolean> {
  if (engine === 'elasticsearch') {
    const answer = await rest(engine, 'GET', '/_ilm/policy/txpipe-lifecycle-probe');
    if (answer.status === 200 || answer.status === 404) return true;
    if (answer.status === 400 && /^no handler found/.test(answer.body?.error)) return false;
    throw new Error(`elasticsearch ILM probe: ${answer.status} ${JSON.stringify(answer.body)}`);
  }
  const answer = await rest(engine, 'GET', '/_plugins/_ism/policies');
  if (answer.status === 200) return true;
  if (answer.status === 400 || answer.status === 404) return false;
  throw new Error(`opensearch ISM probe: ${answer.status} ${JSON.stringify(answer.body)}`);
}

/** The start of the warning txpipe logs once per process when the engine has no ILM / ISM. */
export const LIFECYCLE_ABSENT = {
  elasticsearch: 'Elasticsearch ILM is not available',
  opensearch: 'the OpenSearch ISM plugin is not available',
} as const;

export interface Hit {
  _id: string;
  _index: string;
  _version: number;
  _source: MetricsJson;
}

/** Every document behind the alias, oldest hour first, with its index and version. */
export async function readDocuments(engine: Engine, index: string): Promise<Hit[]> {
  const body = await restOk(engine, 'GET', `/${index}/_search?size=10000&sort=event_hour:asc&version=true`);
  return (body as { hits: { hits: Hit[] } }).hits.hits;
}

/**
 * An hour as a search document spells it (its _id and event_hour), `2026-03-01T10:00:00Z`, from the
 * spelling of txpipe's JSON output, `2026-03-01T10:00:00.000Z`: documents keep the released form.
 */
export const documentHour = (hour: string): string => new Date(hour).toISOString().replace('.000Z', 'Z');

/** The search document of one row of `metrics hourly --format json`: the same fields, the hour as documents spell it. */
export const asDocument = (m: MetricsJson): MetricsJson => ({ ...m, event_hour: documentHour(m.event_hour) });

/** The concrete monthly indices of one test's index name, sorted. */
export async function concreteIndices(engine: Engine, index: string): Promise<string[]> {
  const rows = (await restOk(engine, 'GET', `/_cat/indices/${index}-*?format=json&h=index&expand_wildcards=all`)) as { index: string }[];
  return rows.map((r) => r.index).sort();
}

/**
 * Deletes the monthly indices, the template and the retention policy of one test's index name. The
 * indices by name: Elasticsearch refuses a wildcard DELETE (action.destructive_requires_name).
 */
export async function dropIndex(engine: Engine, index: string): Promise<void> {
  const names = await concreteIndices(engine, index).catch(() => []);
  if (names.length > 0) await rest(engine, 'DELETE', `/${names.join(',')}`);
  await rest(engine, 'DELETE', `/_index_template/${index}`);
  await rest(engine, 'DELETE', engine === 'elasticsearch' ? `/_ilm/policy/${index}-retention` : `/_plugins/_ism/policies/${index}-retention`);
}

/** A local port nothing listens on (bound, then closed again). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A local TCP server that accepts every connection and resets it at once. */
export async function resettingServer(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    socket.resetAndDestroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
