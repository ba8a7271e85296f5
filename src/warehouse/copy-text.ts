/**
 * PostgreSQL COPY text format, built as bytes: tab-separated fields, `\N` for null, backslash escapes
 * for backslash, tab, newline and CR, one row per line. The ingest writes its rows straight into one
 * growing buffer (no per-row strings), and both warehouse adapters COPY that buffer as it is.
 */
const special = /[\\\t\n\r]/g;
const hasSpecial = /[\\\t\n\r]/;
const escapes: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** One field as COPY text (not yet a byte sequence). */
export function copyField(value: string | null): string {
  if (value === null) return '\\N';
  return hasSpecial.test(value) ? value.replace(special, (c) => escapes[c]!) : value;
}

/** A growable byte buffer holding COPY text (never in Node's shared pool: it may be transferred to another thread). */
export class CopyWriter {
  buf: Buffer;
  /** Bytes written so far; callers may set it back to drop a partly written row. */
  length = 0;

  constructor(capacity = 64 * 1024) {
    this.buf = Buffer.allocUnsafeSlow(Math.max(capacity, 256));
  }

  /** Makes room for `extra` more bytes. */
  ensure(extra: number): void {
    const need = this.length + extra;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const bigger = Buffer.allocUnsafeSlow(size);
    this.buf.copy(bigger, 0, 0, this.length);
    this.buf = bigger;
  }

  byte(c: number): void {
    this.ensure(1);
    this.buf[this.length++] = c;
  }

  /** Copies src[from, to) as they are (the caller knows they need no escaping). */
  bytes(src: Uint8Array, from: number, to: number): void {
    const n = to - from;
    this.ensure(n);
    const buf = this.buf;
    let at = this.length;
    if (n > 48) this.buf.set(src.subarray(from, to), at);
    else for (let i = from; i < to; i++) buf[at++] = src[i]!;
    this.length += n;
  }

  /** Writes an integer (|n| < 2^53) in decimal, without a string. */
  integer(n: number): void {
    this.ensure(17);
    const buf = this.buf;
    if (n < 0) {
      buf[this.length++] = 45; // '-'
      n = -n;
    }
    let digits = 1;
    for (let t = n; t >= 10; t = Math.floor(t / 10)) digits++;
    let at = this.length + digits;
    this.length = at;
    while (n >= 10) {
      const q = Math.floor(n / 10);
      buf[--at] = 48 + (n - q * 10);
      n = q;
    }
    buf[--at] = 48 + n;
  }

  /** Writes a 64-bit integer in decimal (through a string only beyond 2^53). */
  bigint(n: bigint): void {
    if (n <= MAX_SAFE && n >= -MAX_SAFE) this.integer(Number(n));
    else this.text(n.toString());
  }

  /** Writes text as UTF-8, unescaped. */
  text(s: string): void {
    this.ensure(s.length * 3);
    this.length += this.buf.write(s, this.length, 'utf8');
  }

  /** Writes one row: fields escaped, tab-separated, newline-terminated. */
  row(values: readonly (string | null)[]): void {
    for (let i = 0; i < values.length; i++) {
      if (i > 0) this.byte(9);
      this.text(copyField(values[i] ?? null));
    }
    this.byte(10);
  }

  /** The bytes written (a view on the internal buffer: valid until the next write). */
  bytesWritten(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}
