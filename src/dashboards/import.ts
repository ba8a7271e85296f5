/**
 * Loads the shipped saved objects (data view `hourly_metrics`, four visualizations, one dashboard)
 * into Kibana or OpenSearch Dashboards through their saved-objects import API.
 *
 * The import runs with overwrite=true and the objects have fixed ids, so running it again replaces
 * the same objects instead of adding copies: a deploy can import on every start.
 */
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export type DashboardsTarget = 'kibana' | 'opensearch-dashboards';

export interface ImportDashboardsOptions {
  target: DashboardsTarget;
  /** Base URL of Kibana / OpenSearch Dashboards, e.g. http://kibana:5601 (a base path is kept). */
  url: string;
  /** NDJSON file to import; defaults to the repository's dashboards/<target>/hourly_metrics.ndjson. */
  file?: string;
  /** Kibana API key, the base64 `id:key` form sent as `Authorization: ApiKey …`. */
  apiKey?: string;
  username?: string;
  password?: string;
  /** Kibana space id; objects go to /s/<space>. OpenSearch Dashboards has no spaces. */
  space?: string;
  /**
   * Keep trying this long (ms) while the server cannot be reached or answers 429/5xx ("Kibana server is
   * not ready yet" is a 503): a stack's import starts while Kibana is still migrating its saved objects.
   * Default 0: one try. Refusals (4xx: bad credentials, a bad file) fail at once.
   */
  retryForMs?: number;
  /** First pause between tries (doubled after each, at most 15 s); default 1 s. */
  retryDelayMs?: number;
  /** Told about each failed try that will be retried. */
  onRetry?: (reason: string, delayMs: number) => void;
}

const MAX_RETRY_DELAY_MS = 15_000;

/** A failure worth another try: the server is not there yet or not ready. */
class NotReadyError extends Error {
  override name = 'NotReadyError';
}

export interface ImportDashboardsResult {
  success: boolean;
  successCount: number;
  errors: unknown[];
}

const LABEL: Record<DashboardsTarget, string> = {
  kibana: 'Kibana',
  'opensearch-dashboards': 'OpenSearch Dashboards',
};

/** Kibana rejects a multipart file whose name does not end in .ndjson. */
const NDJSON_EXT = '.ndjson';
const TIMEOUT_MS = 60_000;

/** The saved-objects file shipped for a target, resolved from this source file (works from any cwd). */
export function defaultDashboardsFile(target: DashboardsTarget): string {
  return join(import.meta.dirname, '..', '..', 'dashboards', target, 'hourly_metrics.ndjson');
}

/** POST <url>[/s/<space>]/api/saved_objects/_import?overwrite=true; throws with the reason unless every object imported. */
export async function importDashboards(o: ImportDashboardsOptions): Promise<ImportDashboardsResult> {
  const label = LABEL[o.target];
  if (!label) throw new Error(`unknown dashboards target ${JSON.stringify(o.target)}`);
  if (o.space && o.target !== 'kibana') {
    throw new Error('--space is a Kibana feature: OpenSearch Dashboards has no spaces');
  }
  const base = parseBaseUrl(o.url, label);
  const file = o.file ?? defaultDashboardsFile(o.target);
  const content = await readFile(file);

  const spacePath = o.space ? `/s/${encodeURIComponent(o.space)}` : '';
  const endpoint = `${base}${spacePath}/api/saved_objects/_import?overwrite=true`;
  const headers: Record<string, string> = {
    [o.target === 'kibana' ? 'kbn-xsrf' : 'osd-xsrf']: 'true',
    accept: 'application/json',
  };
  const authorization = authHeader(o);
  if (authorization) headers.authorization = authorization;

  const name = basename(file);
  const form = new FormData();
  form.append('file', new Blob([content], { type: 'application/ndjson' }), name.endsWith(NDJSON_EXT) ? name : `${name}${NDJSON_EXT}`);

  const deadline = Date.now() + (o.retryForMs ?? 0);
  let delay = o.retryDelayMs ?? 1000;
  for (;;) {
    try {
      return await importOnce(label, base, endpoint, headers, form);
    } catch (err) {
      if (!(err instanceof NotReadyError) || Date.now() + delay > deadline) throw err;
      o.onRetry?.(err.message, delay);
      await sleep(delay);
      delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS);
    }
  }
}

async function importOnce(
  label: string,
  base: string,
  endpoint: string,
  headers: Record<string, string>,
  form: FormData,
): Promise<ImportDashboardsResult> {
  let response: Response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers,
      body: form,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    const reason = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
    throw new NotReadyError(`${label} import: cannot reach ${base}: ${oneLine(reason)}`, { cause: err });
  }

  const text = await response.text();
  const body = parseJson(text);
  if (!response.ok) {
    const message = messageOf(body) ?? (oneLine(text).slice(0, 300) || response.statusText);
    const failure = `${label} import failed: HTTP ${response.status}: ${message}`;
    throw response.status === 429 || response.status >= 500 ? new NotReadyError(failure) : new Error(failure);
  }
  if (!isRecord(body) || typeof body.success !== 'boolean') {
    throw new Error(`${label} import: unexpected answer (HTTP ${response.status}): ${oneLine(text).slice(0, 300)}`);
  }
  const errors = Array.isArray(body.errors) ? (body.errors as unknown[]) : [];
  const successCount = typeof body.successCount === 'number' ? body.successCount : 0;
  if (!body.success) {
    const detail = errors.slice(0, 5).map(describeError).join('; ');
    const more = errors.length > 5 ? `; and ${errors.length - 5} more` : '';
    throw new Error(`${label} import failed: ${errors.length} object(s) not imported, ${successCount} imported: ${detail}${more}`);
  }
  return { success: true, successCount, errors };
}

function parseBaseUrl(url: string, label: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`${label} URL is not a URL: ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`${label} URL must be http:// or https:// (got ${JSON.stringify(url)})`);
  }
  if (parsed.username || parsed.password) {
    throw new Error(`${label} URL must not hold credentials: use --username/--password or --api-key`);
  }
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
}

function authHeader(o: ImportDashboardsOptions): string | undefined {
  if (o.apiKey && (o.username || o.password)) {
    throw new Error('give either an API key or a username/password, not both');
  }
  if (o.apiKey) return `ApiKey ${o.apiKey}`;
  if (o.username || o.password) {
    if (!o.username || o.password === undefined) throw new Error('a username needs a password (and a password a username)');
    return `Basic ${Buffer.from(`${o.username}:${o.password}`).toString('base64')}`;
  }
  return undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** Kibana and OpenSearch Dashboards answer errors as {statusCode, error, message}. */
function messageOf(body: unknown): string | undefined {
  if (!isRecord(body)) return undefined;
  const parts = [body.error, body.message].filter((p): p is string => typeof p === 'string' && p !== '');
  return parts.length ? oneLine(parts.join(': ')) : undefined;
}

/** One import error, e.g. `dashboard/x: missing_references (index-pattern/y)`. */
function describeError(e: unknown): string {
  if (!isRecord(e)) return oneLine(JSON.stringify(e));
  const where = `${String(e.type ?? '?')}/${String(e.id ?? '?')}`;
  const err = isRecord(e.error) ? e.error : {};
  const kind = typeof err.type === 'string' ? err.type : 'error';
  const refs = Array.isArray(err.references)
    ? ` (${err.references.map((r) => (isRecord(r) ? `${String(r.type)}/${String(r.id)}` : String(r))).join(', ')})`
    : '';
  const msg = typeof err.message === 'string' ? `: ${oneLine(err.message)}` : '';
  return `${where}: ${kind}${refs}${msg}`;
}
