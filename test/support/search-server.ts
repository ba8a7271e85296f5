/** The real OpenSearch at OPENSEARCH_URL for test/servers/, and endpoints that are not a search engine. */
import assert from 'node:assert/strict';
import net from 'node:net';
import type { MetricsJson } from './assert-metrics.ts';

export function opensearchUrl(): string {
  const url = process.env.OPENSEARCH_URL;
  if (!url) throw new Error('OPENSEARCH_URL must be set: eval "$(npm run -s services:up)"');
  return url;
}

export interface Hit {
  _id: string;
  _index: string;
  _version: number;
  _source: MetricsJson;
}

/** Every document behind the alias, oldest hour first, with its index and version. */
export async function readDocuments(index: string): Promise<Hit[]> {
  const res = await fetch(`${opensearchUrl()}/${index}/_search?size=10000&sort=event_hour:asc&version=true`);
  assert.equal(res.status, 200, await res.clone().text());
  return ((await res.json()) as { hits: { hits: Hit[] } }).hits.hits;
}

/** Deletes the monthly indices and the template of one test's index name. */
export async function dropIndex(index: string): Promise<void> {
  await fetch(`${opensearchUrl()}/${index}-*`, { method: 'DELETE' });
  await fetch(`${opensearchUrl()}/_index_template/${index}`, { method: 'DELETE' });
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
