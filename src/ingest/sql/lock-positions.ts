/** sql/ingest/lock_positions.sql: the careful write's first step. */
import { sql } from '../../sql.ts';
import type { Queryable } from '../../warehouse/port.ts';
import type { ConsumerKey } from '../../warehouse/consumer-offsets.ts';

/** Locks the partitions' stored positions (creating missing ones at 0) and returns them. */
export async function lockPositions(tx: Queryable, consumer: ConsumerKey, partitions: readonly number[]): Promise<Map<number, bigint>> {
  const rows = await tx.query<{ partition: number; next_offset: string }>(sql('ingest/lock_positions'), [consumer.group, consumer.topic, partitions]);
  return new Map(rows.map((r) => [r.partition, BigInt(r.next_offset)]));
}
