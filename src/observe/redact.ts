/** URLs as they may appear in messages: the password (and any userinfo secret) replaced by `***`. */

/** `postgres://user:secret@host/db` → `postgres://user:***@host/db`; a value that is no URL comes back without its userinfo. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^@/?#]*)@/i, (_all, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    return colon === -1 ? `${scheme}${userinfo}@` : `${scheme}${userinfo.slice(0, colon)}:***@`;
  });
}
