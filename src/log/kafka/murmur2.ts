/**
 * Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2) of a string's UTF-8 bytes, as a signed
 * 32-bit integer. The client library's version works on a Buffer in BigInt arithmetic (~1.5 µs, plus
 * ~2 µs for the Buffer): here an ASCII key (every normalised transaction_id) is hashed straight from
 * its char codes with Math.imul (~0.1 µs); anything else goes through the library. A unit test holds
 * both to the same values and the Java client's.
 */
import { murmur2 as libraryMurmur2 } from '@platformatic/kafka';

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

export function murmur2(key: string): number {
  const length = key.length;
  for (let i = 0; i < length; i++) if (key.charCodeAt(i) > 0x7f) return libraryMurmur2(Buffer.from(key, 'utf8'));
  let h = SEED ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = key.charCodeAt(i) | (key.charCodeAt(i + 1) << 8) | (key.charCodeAt(i + 2) << 16) | (key.charCodeAt(i + 3) << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = length & 3;
  if (tail > 0) {
    if (tail === 3) h ^= key.charCodeAt(whole + 2) << 16;
    if (tail >= 2) h ^= key.charCodeAt(whole + 1) << 8;
    h ^= key.charCodeAt(whole);
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}
