/** A stable signed 64-bit advisory-lock key from a name (first 8 bytes of its SHA-256). */
import { createHash } from 'node:crypto';

export function lockKey(name: string): bigint {
  return createHash('sha256').update(name).digest().readBigInt64BE(0);
}
