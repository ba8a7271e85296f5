/**
 * A reverse proxy to a shared search server (which runs without its security plugin) that refuses any
 * request without the expected Authorization header, so txpipe really has to send its credential. Its
 * 401 is hostile on purpose: the body repeats the header it got, as a careless server might, so an
 * error that carries the answer carries the credential too.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { closeServer } from './http-fake.ts';

export interface AuthProxy {
  url: string;
  authorized: number;
  refused: number;
  close(): Promise<void>;
}

export async function authProxy(upstream: string, authorization: string, tls?: { certFile: string; keyFile: string }): Promise<AuthProxy> {
  const base = upstream.replace(/\/$/, '');
  const state = { authorized: 0, refused: 0 };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const auth = req.headers.authorization ?? '';
    if (auth !== authorization) {
      state.refused++;
      const cause = { type: 'security_exception', reason: `unable to authenticate with [${auth}]` };
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { root_cause: [cause], ...cause }, status: 401 }));
      return;
    }
    state.authorized++;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (['host', 'authorization', 'connection', 'content-length'].includes(k) || v === undefined) continue;
      headers[k] = Array.isArray(v) ? v.join(', ') : v;
    }
    const body = req.method === 'GET' || req.method === 'HEAD' || chunks.length === 0 ? undefined : Buffer.concat(chunks);
    const answer = await fetch(`${base}${req.url}`, { method: req.method, headers, body });
    const out = Buffer.from(await answer.arrayBuffer());
    const back: Record<string, string> = {};
    // fetch has decoded the body: its length and encoding headers no longer hold.
    for (const [k, v] of answer.headers) if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(k)) back[k] = v;
    res.writeHead(answer.status, back);
    res.end(out);
  };
  const server: Server = tls
    ? (createHttpsServer({ cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) }, handle) as unknown as Server)
    : createHttpServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    get authorized() {
      return state.authorized;
    },
    get refused() {
      return state.refused;
    },
    close: () => closeServer(server),
  };
}
