/**
 * TXPIPE_HTTP_TOKEN: with a token set, every route but /healthz needs it. Scripts send
 * `Authorization: Bearer <token>`; a browser cannot send a bearer token when it opens a page, so the
 * same token is also accepted as the password of HTTP Basic (any user name), which browsers ask for
 * and then send with every request of the page. Both compare in constant time: the two sides are
 * hashed to equal length first, so neither the content nor the length of the token leaks by timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** The credential an Authorization header carries (Bearer token, or Basic password), or undefined. */
export function presentedToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^\s*(Bearer|Basic)\s+(\S+)\s*$/i.exec(header);
  if (!m) return undefined;
  if (m[1]!.toLowerCase() === 'bearer') return m[2]!;
  const decoded = Buffer.from(m[2]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : decoded.slice(colon + 1);
}

/** Whether the header carries the token. */
export function authorized(header: string | undefined, token: string): boolean {
  const presented = presentedToken(header);
  // Compared even when absent, so a missing header costs what a wrong one does.
  const same = timingSafeEqual(digest(presented ?? ''), digest(token));
  return presented !== undefined && same;
}

/** What a 401 says: the schemes accepted, one header each (a browser shows its login box for Basic). */
export const CHALLENGES = ['Bearer realm="txpipe"', 'Basic realm="txpipe", charset="UTF-8"'];
