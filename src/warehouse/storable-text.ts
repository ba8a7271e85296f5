/** PostgreSQL text cannot hold NUL: a payload keeps every other byte, with NUL written as the 6 characters \u0000. */
export function storableText(s: string): string {
  return s.includes('\u0000') ? s.replaceAll('\u0000', '\\u0000') : s;
}
