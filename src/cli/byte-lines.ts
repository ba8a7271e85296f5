/**
 * The lines of a stream as their exact bytes (split at LF, one CR before it dropped, as readline does
 * with crlfDelay Infinity), never decoded: a line that is not UTF-8 stays the bytes it was. A long
 * line's pieces are joined once, when it ends.
 */
import type { Readable } from 'node:stream';

export async function* byteLines(input: Readable): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  for await (const data of input) {
    const chunk: Buffer = typeof data === 'string' ? Buffer.from(data, 'utf8') : (data as Buffer);
    let start = 0;
    for (let lf = chunk.indexOf(0x0a); lf >= 0; lf = chunk.indexOf(0x0a, start)) {
      pending.push(chunk.subarray(start, lf));
      yield joined(pending);
      pending = [];
      start = lf + 1;
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
  }
  if (pending.length > 0) yield joined(pending);
}

/** The pieces as one line (a copy: the stream's chunks can go), without a CR at its end. */
function joined(pieces: Buffer[]): Buffer {
  const line = Buffer.concat(pieces);
  return line.length > 0 && line[line.length - 1] === 0x0d ? line.subarray(0, line.length - 1) : line;
}
