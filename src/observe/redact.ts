/**
 * One place that keeps secrets out of everything txpipe writes: log lines at every level, the CLI's error
 * line (and stack under debug), `status`, `dag runs`, stored error texts and HTTP error answers.
 *
 * Two layers, because neither alone is enough:
 * - by shape: a URL's password (`scheme://user:PASSWORD@host`, any scheme), query or conninfo parameters
 *   named like a secret (`?password=…`, `password=… ` in a libpq string, `api_key=…`), and credentials of
 *   an Authorization header (`Bearer …`, `Basic …`, `ApiKey …`). This catches a secret txpipe was never
 *   told about, e.g. a mistyped `DATABASE_URL=mysql://u:PASSWORD@host/x` echoed by a validation error.
 * - by value: the secrets configured in the environment (registerSecrets, secretsOf), masked wherever
 *   they appear, also percent-encoded, JSON-escaped or inside a Basic credential, whatever message
 *   embeds them (a client library's error, a stack).
 */

export const MASK = '***';

/** Settings whose values are secrets as a whole (a webhook URL carries its token in the path). */
const SECRET_KEY = /PASSWORD|PASSWD|TOKEN|API_KEY|SECRET|WEBHOOK_URL|SASL_PASSWORD/i;
/** Settings holding URLs whose userinfo or query may carry a password. */
const URL_KEY = /URL|BROKERS|DSN|CONNECTION/i;
/** Shorter values are not masked by value: "1" or "no" would blank every line. Shapes still apply. */
const MIN_SECRET_LENGTH = 4;

const known = new Set<string>();

/** Names of query/conninfo parameters whose value is masked. */
const PARAM =
  'password|passwd|pwd|pass|secret|client_secret|token|access_token|refresh_token|api[_-]?key|apikey|sasl_password|auth|sig|signature|sslpassword';

const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:@/?#'"]*):([^\s@/'"]*)@/gi;
const QUERY_PARAM = new RegExp(`([?&;](?:${PARAM})=)[^&#\\s'"]*`, 'gi');
/**
 * `password=x` or `password: 'x'` in a libpq conninfo string, a message or a config dump (not inside a
 * URL query: that is QUERY_PARAM). After a colon only a quoted value is taken: prose such as "needs its
 * token: set TXPIPE_HTTP_TOKEN" stays readable.
 */
const KEY_VALUE = new RegExp(`(^|[\\s,{(])((?:${PARAM})\\s*=\\s*|(?:${PARAM})\\s*:\\s*(?=["']))("[^"]*"|'[^']*'|[^\\s,;&)}]+)`, 'gi');
/** A header's credential, whatever its scheme; and Bearer/ApiKey credentials anywhere (words such as "Basic setup" stay). */
const AUTH_HEADER = /(authorization["']?\s*[:=]\s*["']?(?:Basic|Bearer|ApiKey|Token|Digest)\s+)[^\s"',;]+/gi;
const BEARER = /\b(Bearer|ApiKey)\s+[A-Za-z0-9._~+/=-]{8,}/g;

/** Adds values to mask by value from now on (empty and very short ones are ignored). */
export function registerSecrets(values: Iterable<string | undefined>): void {
  for (const v of values) if (v && v.length >= MIN_SECRET_LENGTH) known.add(v);
}

/** Forgets the registered secrets (tests). */
export function clearSecrets(): void {
  known.clear();
}

/**
 * The secrets of an environment: every value of a setting named like a secret, and the password (and
 * secret-named query parameters) of every URL-valued setting.
 */
export function secretsOf(env: Record<string, string | undefined>): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(env)) {
    if (!value) continue;
    if (SECRET_KEY.test(key)) out.push(value);
    if (SECRET_KEY.test(key) || URL_KEY.test(key)) out.push(...secretsInUrls(value));
    const user = /PASSWORD$/.test(key) ? env[key.replace(/PASSWORD$/, 'USERNAME')] : undefined;
    if (user) out.push(basic(user, value));
  }
  return out;
}

/** Passwords and secret-named query values in the URLs of a text (decoded as well as raw). */
function secretsInUrls(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(URL_USERINFO)) out.push(m[3]!, safeDecode(m[3]!), basic(safeDecode(m[2]!), safeDecode(m[3]!)));
  for (const m of text.matchAll(new RegExp(`[?&;](?:${PARAM})=([^&#\\s]*)`, 'gi'))) out.push(m[1]!, safeDecode(m[1]!));
  return out.filter((s) => s.length > 0);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The forms a secret may take in a line: as is, percent-encoded (both ways), JSON-escaped, base64 of a Basic credential. */
function formsOf(secret: string): string[] {
  const forms = new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)]);
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
}

/** Replaces every occurrence of a registered secret (any of its forms), then every secret-shaped part. */
export function redact(text: string): string {
  let s = text;
  for (const secret of known) for (const form of formsOf(secret)) if (s.includes(form)) s = s.split(form).join(MASK);
  return s
    .replace(URL_USERINFO, (_m, scheme: string, user: string) => `${scheme}${user}:${MASK}@`)
    .replace(QUERY_PARAM, `$1${MASK}`)
    .replace(KEY_VALUE, `$1$2${MASK}`)
    .replace(AUTH_HEADER, `$1${MASK}`)
    .replace(BEARER, `$1 ${MASK}`);
}

/** A URL for display: its password masked (the user name kept, it says which account). */
export function redactUrl(url: string): string {
  return redact(url);
}

/** An error as one redacted text: its message, or with `stack` its stack. For logs and stored error texts. */
export function redactError(err: unknown, options: { stack?: boolean } = {}): string {
  if (!(err instanceof Error)) return redact(String(err));
  const text = options.stack && err.stack ? err.stack : err.message;
  return redact(text);
}

/** Base64 `user:password`, as a Basic credential carries it. */
function basic(username: string, password: string): string {
  return Buffer.from(`${username}:${password}`).toString('base64');
}
