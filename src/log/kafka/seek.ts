/**
 * Moving a consumer stream's fetch positions. @platformatic/kafka (2.12) has no public seek: its
 * MessagesStream exposes the live map of next fetch offsets (`offsetsToFetch`, keyed `topic:partition`)
 * and reads it before every fetch. Writing that map is the one place txpipe depends on the client's
 * internals; test/servers/kafka-log.test.ts holds it to the behaviour (a consumer starts at the given
 * positions, also after a rebalance).
 */
export interface SeekableStream {
  readonly offsetsToFetch: Map<string, bigint>;
}

/** Sets the next fetch offset of each owned partition in `positions` (negative offsets are ignored). */
export function seekStream(stream: SeekableStream, topic: string, positions: ReadonlyMap<number, bigint>, owned: ReadonlySet<number>): void {
  for (const [partition, offset] of positions) {
    if (owned.has(partition) && offset >= 0n) stream.offsetsToFetch.set(`${topic}:${partition}`, offset);
  }
}

/** The stream's next fetch offset of a partition, if it has one. */
export function fetchPosition(stream: SeekableStream, topic: string, partition: number): bigint | undefined {
  return stream.offsetsToFetch.get(`${topic}:${partition}`);
}
