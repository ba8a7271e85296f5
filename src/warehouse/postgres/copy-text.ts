/** Rows to COPY's text format: tab-separated, \N for null, backslash escapes for \ tab newline CR. */
const special = /[\\\t\n\r]/g;
const hasSpecial = /[\\\t\n\r]/;
const escapes: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function field(value: string | null): string {
  if (value === null) return '\\N';
  return hasSpecial.test(value) ? value.replace(special, (c) => escapes[c]!) : value;
}

/** Yields the COPY payload in chunks of about 64 KiB, so a large batch never builds one huge string. */
export function* copyText(rows: readonly (readonly (string | null)[])[]): Generator<string> {
  let chunk = '';
  for (const row of rows) {
    let line = '';
    for (let i = 0; i < row.length; i++) line += (i ? '\t' : '') + field(row[i] ?? null);
    chunk += line + '\n';
    if (chunk.length > 65536) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}
