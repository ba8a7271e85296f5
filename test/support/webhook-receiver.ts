/** A local HTTP receiver for the alert webhook: records every request, answers with the status `answer` gives. */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { closeServer, listenLocal } from './http-fake.ts';

export interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Receiver {
  /** http://127.0.0.1:port */
  base: string;
  received: Received[];
  close(): Promise<void>;
}

/** `answer(n)` is the status of the n-th request (1-based). */
export async function webhookReceiver(answer: (n: number) => number): Promise<Receiver> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.statusCode = answer(received.length);
      res.end();
    });
  });
  const base = await listenLocal(server);
  return { base, received, close: () => closeServer(server) };
}
