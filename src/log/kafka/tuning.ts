/** The Kafka adapter's knobs; the defaults are what txpipe uses, tests may shorten the timers. */
export interface KafkaTuning {
  /** Wait this long for more records before yielding a non-full batch (ms). */
  lingerMs: number;
  /** untilIdle: no record for this long, then check the end offsets (ms). */
  quietMs: number;
  /** Fetch: broker-side wait when there is less than minBytes (ms). */
  maxWaitTime: number;
  minBytes: number;
  /** Fetch response cap (bytes); per partition cap is half of it. A response is parsed in one go: smaller keeps the event loop responsive. */
  maxBytes: number;
  /**
   * Messages the client's stream buffers while it is paused (each is a dozen objects). Records are
   * handed to the sink as they are parsed, so this only matters once the consumer's read-ahead is full.
   */
  bufferedMessages: number;
  /** Producer: bytes of payload per send (kept below the broker's 1 MiB per-batch limit per partition). */
  produceChunkBytes: number;
  /** Producer: records per send at most. */
  produceChunkRecords: number;
  sessionTimeout: number;
  heartbeatInterval: number;
  rebalanceTimeout: number;
}

export const defaultKafkaTuning: KafkaTuning = {
  lingerMs: 30,
  quietMs: 300,
  maxWaitTime: 100,
  minBytes: 1,
  maxBytes: 1024 * 1024,
  bufferedMessages: 1000,
  produceChunkBytes: 900 * 1024,
  produceChunkRecords: 10_000,
  sessionTimeout: 30_000,
  heartbeatInterval: 1_000,
  rebalanceTimeout: 30_000,
};
