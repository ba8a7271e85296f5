/**
 * A known set of events for the dashboard, API and dead-letter tests: the edge cases, generated
 * traffic over a few hours of 2026-03-01, and hostile dead letters last (so they are the newest),
 * produced, ingested and aggregated through the real CLI.
 */
import { join } from 'node:path';
import { cli } from './cli.ts';
import { edgeCaseMessages, generated, writeNdjson } from './events.ts';
import { expectedMetrics, type Expected } from './expected.ts';
import type { Target } from './target.ts';

/** Payloads that would run script or rewrite a terminal if anything printed them as markup or raw bytes. */
export const HOSTILE = [
  '<img src=x onerror="window.__pwned=1;document.title=\'pwned\'">',
  '</script><script>window.__pwned=2</script><b id="injected">bold</b>',
  '{"transaction_id":"\u001b[2J\u001b[31mred","note":"\u202eevil\u202c","bell":"\u0007"}',
];

export interface KnownData {
  messages: string[];
  expected: Expected;
}

export async function loadKnownData(t: Target): Promise<KnownData> {
  const messages = [...edgeCaseMessages(), ...generated(1500, 5, '2026-03-01T07:00:00Z', 600), ...HOSTILE];
  const file = join(t.env.TXPIPE_DATA_DIR!, '..', 'known.ndjson');
  await writeNdjson(file, messages);
  const expected = expectedMetrics(messages, BigInt(Date.now()) * 1000n);
  await cli(['produce', '--file', file], t.env);
  await cli(['ingest', '--until-idle', '--batch-size', '400'], t.env);
  await cli(['dag', 'run', 'process_kafka_to_postgres', '--logical-date', '2026-03-01T10:00:00Z'], t.env);
  return { messages, expected };
}
