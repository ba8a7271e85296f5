/**
 * The consumer positions stored beside the rows (table consumer_offsets): per group, topic and
 * partition, the next offset to apply. They commit in the same transaction as the rows of the batch
 * that moved them, so they, not the log's own offsets, say what has been applied.
 */
import { sql } from '../sql.ts';
import type { Queryable } from './port.ts';

export interface ConsumerKey {
  group: string;
  topic: string;
}

/** Next offset per partition; partitions never applied are absent. */
export async function readConsumerOffsets(db: Queryable, key: ConsumerKey): Promise<Map<number, bigint>> {
  const rows = await db.query<{ partition: number; next_offset: string }>(sql('log/positions'), [key.group, key.topic]);
  return new Map(rows.map((r) => [r.partition, BigInt(r.next_offset)]));
}
