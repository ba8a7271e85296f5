/**
 * `txpipe reconcile`: proves that every record consumed from the topic ended as exactly one raw row,
 * dead letter or counted duplicate: the records below the stored positions (counted in the log itself)
 * must equal raw rows + dead letters + duplicates.
 */
import { sql } from './sql.ts';
import type { Runtime } from './runtime.ts';
import { readConsumerOffsets } from './warehouse/consumer-offsets.ts';

export interface Reconciliation {
  topic: string;
  group: string;
  consumed: number;
  raw_transactions: number;
  dead_letters: number;
  duplicates: number;
  accounted: number;
  balanced: boolean;
  /** False when the log dropped its oldest records (retention): the proof then covers fewer records. */
  complete: boolean;
  partitions: { partition: number; position: string; records: number }[];
}

export async function reconcile(rt: Pick<Runtime, 'warehouse' | 'log' | 'config'>): Promise<Reconciliation> {
  const positions = await readConsumerOffsets(rt.warehouse, { group: rt.config.group, topic: rt.log.topic });
  const counts = await rt.log.countBefore(positions);
  const [c] = await rt.warehouse.query<{ raw_transactions: string; dead_letters: string; duplicates: string }>(sql('status/reconcile'), [
    rt.log.topic,
  ]);
  const consumed = counts.reduce((n, p) => n + Number(p.records), 0);
  const raw = Number(c!.raw_transactions);
  const dead = Number(c!.dead_letters);
  const dupes = Number(c!.duplicates);
  return {
    topic: rt.log.topic,
    group: rt.config.group,
    consumed,
    raw_transactions: raw,
    dead_letters: dead,
    duplicates: dupes,
    accounted: raw + dead + dupes,
    balanced: consumed === raw + dead + dupes,
    complete: counts.every((p) => p.complete),
    partitions: counts.map((p) => ({ partition: p.partition, position: (positions.get(p.partition) ?? 0n).toString(), records: Number(p.records) })),
  };
}
