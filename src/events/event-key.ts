/**
 * The key a producer gives an event: its transaction_id, normalised (lower-case UUID), so every
 * delivery of one transaction lands on one partition and keeps its order there. A line without a
 * readable id (not JSON, no UUID) gets no key and is spread over the partitions; the ingest makes
 * it a dead letter anyway.
 */
import type { AppendRecord } from '../log/port.ts';

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** The normalised transaction_id of an event's JSON text, as the ingest reads it; undefined when it has none. */
export function transactionKey(line: string): string | undefined {
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

/** A line as the record to append: the payload as it is, keyed by its transaction_id when it has one. */
export function keyedRecord(line: string): AppendRecord {
  const key = transactionKey(line);
  return key === undefined ? { value: line } : { key, value: line };
}
