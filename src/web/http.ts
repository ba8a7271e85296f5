/**
 * What a route returns and how a request's query is read: small enough that the server needs no
 * framework. A bad query parameter is a 400 naming the parameter, as a bad flag is one line naming it.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { epochMsOf, parseTimestamp } from '../events/timestamp.ts';

export interface Reply {
  status: number;
  /** Content-Type and anything else the route sets; the server adds the security headers. */
  headers: Record<string, string | string[]>;
  body: string | Buffer;
}

export interface Request {
  url: URL;
  /** The regular expression's groups, for a route with a pattern. */
  params: string[];
  headers: IncomingHttpHeaders;
}

export interface Route {
  /** An exact path, or a pattern whose groups become `params` (matched against the decoded path). */
  path: string | RegExp;
  handle(req: Request): Promise<Reply>;
}

/** An answer other than 200, with a JSON body `{ error, message }`. */
export class HttpError extends Error {
  override name = 'HttpError';
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** A JSON reply; a string is taken as JSON text already (the hourly tables keep exact numbers that way). */
export function json(value: unknown, status = 200): Reply {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
    body: typeof value === 'string' ? value : JSON.stringify(value),
  };
}

export function errorReply(err: HttpError): Reply {
  return json({ error: err.code, message: err.message }, err.status);
}

/** An RFC 3339 date-time parameter (no offset = UTC), as an ISO string in UTC; undefined when absent or empty. */
export function isoParam(url: URL, name: string): string | undefined {
  const v = url.searchParams.get(name);
  if (v === null || v === '') return undefined;
  const ts = parseTimestamp(v);
  if (ts === null)
    throw new HttpError(400, 'bad_request', `${name} must be an RFC 3339 date-time such as 2026-03-01T00:00:00Z, got ${JSON.stringify(v)}`);
  return new Date(epochMsOf(ts)).toISOString();
}

export function intParam(url: URL, name: string, min: number, max: number, fallback: number): number {
  const v = url.searchParams.get(name);
  if (v === null || v === '') return fallback;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
    throw new HttpError(400, 'bad_request', `${name} must be an integer between ${min} and ${max}, got ${JSON.stringify(v)}`);
  }
  return Number(v);
}

export function choiceParam<T extends string>(url: URL, name: string, choices: readonly T[], fallback: T): T {
  const v = url.searchParams.get(name);
  if (v === null || v === '') return fallback;
  if (!(choices as readonly string[]).includes(v)) {
    throw new HttpError(400, 'bad_request', `${name} must be one of ${choices.join(', ')}, got ${JSON.stringify(v)}`);
  }
  return v as T;
}

export function textParam(url: URL, name: string, maxLength: number): string | undefined {
  const v = url.searchParams.get(name);
  if (v === null || v === '') return undefined;
  if (v.length > maxLength) throw new HttpError(400, 'bad_request', `${name} must be at most ${maxLength} characters`);
  return v;
}
