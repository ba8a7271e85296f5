/** Messages put on a target's embedded topic and ingested, in the test's own process. */
import { EmbeddedEventLog } from '../../src/log/embedded/embedded-log.ts';
import { runIngest } from '../../src/ingest/ingest.ts';
import { publishLines } from '../../src/log/publish.ts';
import { silentLogger } from '../../src/observe/logger.ts';
import type { Config } from '../../src/config.ts';
import type { Warehouse } from '../../src/warehouse/port.ts';
import type { Target } from './target.ts';

/** Appends the messages to the configured topic of an open warehouse and ingests until idle. */
export async function ingestMessages(w: Warehouse, config: Config, messages: readonly string[]): Promise<void> {
  const log = new EmbeddedEventLog(w, config.topic);
  await publishLines(log, messages);
  await runIngest({ warehouse: w, log, group: config.group, batchSize: 1000, untilIdle: true, logger: silentLogger });
}

/** The same on a target's warehouse, opened and closed again (PGlite: one process at a time). */
export async function ingestInto(t: Target, messages: readonly string[]): Promise<void> {
  const w = await t.open();
  try {
    await ingestMessages(w, t.config, messages);
  } finally {
    await w.close();
  }
}
