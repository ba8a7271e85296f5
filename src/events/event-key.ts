/**
 * The key a producer gives an event: its transaction_id, normalised (lower-case UUID), so every
 * delivery of one transaction lands on one partition and keeps its order there. A line without a
 * readable id (not JSON, no UUID) gets no key and is spread over the partitions; the ingest makes
 * it a dead letter anyway.
 */
import { isUtf8 } from 'node:buffer';
import type { AppendRecord } from '../log/port.ts';

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

const FIELD = '"transaction_id":"';

/**
 * The normalised transaction_id of an event's JSON text, as the ingest reads it; undefined when it has
 * none. The common shape (the field once, `"transaction_id":"<uuid>"` with no spaces) is read without
 * parsing; anything else is parsed. For JSON the two agree (a test holds them to it); a line that is
 * not JSON but starts like an event (truncated) keeps the id it starts with. Either way only the
 * partition depends on it: the ingest's answer does not, and such a line is a dead letter.
 */
export function transactionKey(line: string): string | undefined {
  const at = line.indexOf(FIELD);
  if (at > 0 && line.charCodeAt(at + FIELD.length + 36) === 0x22 && line.indexOf(FIELD, at + 1) === -1 && line.charCodeAt(0) === 0x7b) {
    const id = line.slice(at + FIELD.length, at + FIELD.length + 36);
    if (UUID.test(id)) return id.toLowerCase();
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const id = (parsed as { transaction_id?: unknown }).transaction_id;
  return typeof id === 'string' && UUID.test(id) ? id.toLowerCase() : undefined;
}

/**
 * A line as the record to append: the payload as it is (text, or exact bytes), keyed by its
 * transaction_id when it has one. Bytes that are not UTF-8 get no key (the ingest refuses them anyway).
 */
export function keyedRecord(line: string | Uint8Array): AppendRecord {
  const text =
    typeof line === 'string' ? line : isUtf8(line) ? Buffer.from(line.buffer, line.byteOffset, line.byteLength).toString('utf8') : undefined;
  const key = text === undefined ? undefined : transactionKey(text);
  return key === undefined ? { value: line } : { key, value: line };
}
