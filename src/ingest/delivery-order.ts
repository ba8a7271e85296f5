/**
 * Which delivery of a transaction_id wins: the earliest by a total order on records, so the answer is
 * a function of the topic alone, never of the order in which partitions happened to be read. Records
 * sort by their timestamp as the producer set it (Kafka CreateTime; the embedded log's append time),
 * then by partition, then by offset. With producers that key by transaction_id every delivery of an id
 * sits in one partition, in order, and the first one read is the winner; the order matters when they
 * did not key, and a resend landed on another partition than the original.
 */

/** Negative when delivery a sorts before delivery b, positive when after, 0 for the same record. */
export function compareDeliveries(
  aTimestamp: number,
  aPartition: number,
  aOffset: bigint,
  bTimestamp: number,
  bPartition: number,
  bOffset: bigint,
): number {
  if (aTimestamp !== bTimestamp) return aTimestamp < bTimestamp ? -1 : 1;
  if (aPartition !== bPartition) return aPartition < bPartition ? -1 : 1;
  return aOffset === bOffset ? 0 : aOffset < bOffset ? -1 : 1;
}

/** What a set of known winners says about a new delivery of an id. */
export const UNKNOWN = 0;
/** A known winner sorts before it: the new delivery is a duplicate. */
export const LOSES = 1;
/** It sorts before the known winner: it must replace the stored row (the careful write does that). */
export const WINS = 2;
export type Verdict = typeof UNKNOWN | typeof LOSES | typeof WINS;
