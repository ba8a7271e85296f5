/**
 * txpipe's HTTP server: the dashboard, the JSON API under /api/ (described at /api/openapi.json),
 * /metrics, /healthz and /readyz, on node:http with a route table (no framework). It answers GET and
 * HEAD only: nothing here changes anything. Loopback unless told otherwise; with a token, every route
 * but /healthz needs it. `txpipe serve` runs it alone; `ingest --follow`, `demo` and `serve` on the
 * embedded data directory also record it there as the local API (local-api.ts).
 */
import { redact } from '../observe/redact.ts';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../observe/logger.ts';
import type { Runtime } from '../runtime.ts';
import { authorized, CHALLENGES } from './auth.ts';
import { errorReply, HttpError, json, type Reply, type Route } from './http.ts';
import { IngestPace } from './ingest-pace.ts';
import { recordLocalApi } from './local-api.ts';
import { alertsRoute } from './routes/alerts.ts';
import { apiRoutes } from './routes/api.ts';
import { assetRoutes } from './routes/assets.ts';
import { healthzRoute, readyzRoute, type ReadinessCheck } from './routes/health.ts';
import { metricsRoute } from './routes/metrics.ts';
import { databaseSource } from './source.ts';

export interface WebServerOptions {
  rt: Runtime;
  host: string;
  /** 0: any free port. */
  port: number;
  /** TXPIPE_HTTP_TOKEN; never logged. */
  token?: string;
  logger: Logger;
  /** Readiness checks beyond the database's, by name (the ingest adds `consumer`). */
  checks?: Record<string, ReadinessCheck>;
  /**
   * Record the server in the embedded data directory as its local API, for the read-only commands of
   * other processes (only where the runtime holds a PGlite data directory).
   */
  recordLocalApi?: boolean;
}

export interface WebServer {
  /** Base URL, e.g. http://127.0.0.1:8080/ (a loopback address when listening on all interfaces). */
  url: string;
  /** Stops listening, drops open connections and removes the local-API record. */
  close(): Promise<void>;
}

/** Headers on every answer: nothing is framed, sniffed or sent elsewhere; scripts and styles only from here. */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

export async function startWebServer(o: WebServerOptions): Promise<WebServer> {
  const log = o.logger.child('http');
  const pace = new IngestPace(o.rt.warehouse, { group: o.rt.config.group, topic: o.rt.log.topic });
  const routes: Route[] = [
    ...assetRoutes(),
    ...apiRoutes(databaseSource(o.rt), pace),
    alertsRoute(o.rt.warehouse),
    readyzRoute(o.rt.warehouse, o.checks),
    metricsRoute(o.rt),
  ];
  const exact = new Map(routes.filter((r) => typeof r.path === 'string').map((r) => [r.path as string, r]));
  const patterns = routes.filter((r) => r.path instanceof RegExp);

  const answer = async (req: IncomingMessage): Promise<Reply> => {
    const url = new URL(req.url ?? '/', 'http://txpipe.invalid');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const reply = errorReply(new HttpError(405, 'method_not_allowed', `${req.method} is not allowed: this API only reads`));
      reply.headers.allow = 'GET, HEAD';
      return reply;
    }
    if (url.pathname === '/healthz') return healthzRoute.handle({ url, params: [], headers: req.headers });
    if (o.token !== undefined && !authorized(req.headers.authorization, o.token)) {
      const reply = errorReply(new HttpError(401, 'unauthorized', 'this server needs Authorization: Bearer <TXPIPE_HTTP_TOKEN>'));
      reply.headers['www-authenticate'] = CHALLENGES;
      return reply;
    }
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      throw new HttpError(400, 'bad_request', 'the path is not valid percent-encoding');
    }
    const route = exact.get(path);
    if (route) return route.handle({ url, params: [], headers: req.headers });
    for (const r of patterns) {
      // Groups come from the raw path, decoded one by one, so an encoded "/" stays inside its segment.
      const m = (r.path as RegExp).exec(url.pathname);
      if (m) return r.handle({ url, params: m.slice(1).map((p) => decodeURIComponent(p)), headers: req.headers });
    }
    throw new HttpError(404, 'not_found', `no route ${url.pathname}${url.pathname.startsWith('/api/') ? ' (see /api/openapi.json)' : ''}`);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    let reply: Reply;
    try {
      reply = await answer(req);
    } catch (err) {
      if (err instanceof HttpError) reply = errorReply(err);
      else {
        log.error(`${req.method} ${req.url}: ${(err as Error).message}`);
        // maskedBody masks it with every JSON answer.
        reply = json({ error: 'internal', message: err instanceof Error ? err.message : String(err) }, 500);
      }
    }
    const body = typeof reply.body === 'string' ? Buffer.from(maskedBody(reply), 'utf8') : reply.body;
    res.writeHead(reply.status, { ...SECURITY_HEADERS, ...reply.headers, 'content-length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
    log.debug(`${req.method} ${req.url} ${reply.status} ${(performance.now() - started).toFixed(1)} ms`);
  };

  const server = createServer((req, res) => void handle(req, res));
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const url = `http://${displayHost(address.address)}:${address.port}/`;
  pace.start();
  const unrecord = o.recordLocalApi && o.rt.warehouse.kind === 'pglite' ? await recordLocalApi(o.rt.config.dataDir, url) : undefined;
  let closing: Promise<void> | undefined;
  return {
    url,
    close() {
      closing ??= (async () => {
        await unrecord?.();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
        await pace.stop();
      })();
      return closing;
    },
  };
}

/** The address clients use: loopback for a wildcard, brackets for IPv6. */
function displayHost(address: string): string {
  if (address === '0.0.0.0') return '127.0.0.1';
  if (address === '::') return '[::1]';
  return address.includes(':') ? `[${address}]` : address;
}

/** Data answers (JSON, text) carry stored texts such as run errors: masked as every output is. Pages and scripts are ours, left as they are. */
function maskedBody(reply: Reply): string {
  const type = reply.headers['content-type'];
  const text = reply.body as string;
  return typeof type === 'string' && /^(application\/json|text\/plain)/.test(type) ? redact(text) : text;
}
