/** sql/ingest/stored_winners.sql and sql/ingest/delete_displaced.sql: the careful write's id lookups. */
import { sql } from '../../sql.ts';
import type { Queryable } from '../../warehouse/port.ts';

export interface StoredWinner {
  /** The stored delivery's order key; null for a row from before the key was kept (it always stays). */
  key: { timestamp: number; partition: number; offset: bigint } | null;
  /** Its event hour, in hours since the epoch. */
  epochHour: number;
}

/** The stored rows of these ids (lowercase UUID text), locked for the rest of the transaction. */
export async function lockStoredWinners(tx: Queryable, ids: readonly string[]): Promise<Map<string, StoredWinner>> {
  const rows = await tx.query<{
    transaction_id: string;
    log_timestamp_ms: number | null;
    log_partition: number | null;
    log_offset: string | null;
    epoch_hour: number;
  }>(sql('ingest/stored_winners'), [ids]);
  return new Map(
    rows.map((r) => [
      r.transaction_id,
      {
        key:
          r.log_timestamp_ms === null || r.log_partition === null || r.log_offset === null
            ? null
            : { timestamp: r.log_timestamp_ms, partition: r.log_partition, offset: BigInt(r.log_offset) },
        epochHour: r.epoch_hour,
      },
    ]),
  );
}

/** Deletes the rows of ids that an earlier-sorting delivery displaces. */
export async function deleteDisplaced(tx: Queryable, ids: readonly string[]): Promise<void> {
  if (ids.length > 0) await tx.query(sql('ingest/delete_displaced'), [ids]);
}
