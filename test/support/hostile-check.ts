/**
 * What a warehouse must hold after the hostile corpus (test/support/hostile-corpus.ts) was ingested,
 * whatever log carried it: exactly the corpus's rows (status stored verbatim), its dead letters (each
 * found by its SHA-256, with its reason and its exact bytes, or the first KiB of an oversized one) and
 * its duplicates, nothing else.
 */
import assert from 'node:assert/strict';
import type { Queryable } from '../../src/warehouse/port.ts';
import { type HostileCase, outcomeCounts, sha256Hex } from './hostile-corpus.ts';

const KEEP = 1024;

/** The summary line `txpipe ingest --until-idle` must print for the corpus: every record once, by outcome. */
export function corpusIngestLine(cases: readonly HostileCase[]): RegExp {
  const counts = outcomeCounts(cases);
  return new RegExp(
    `^ingested ${cases.length} records .*: ${counts.rows} new rows, ${counts.duplicates} duplicates, ${counts.dead} dead letters, 0 already applied`,
  );
}

export async function assertCorpusStored(db: Queryable, cases: readonly HostileCase[], maxMessageBytes = 1024 * 1024): Promise<void> {
  const rows = await db.query<{ transaction_id: string; status: string; amount: string }>(
    'SELECT transaction_id::text AS transaction_id, status, amount::text AS amount FROM transactions ORDER BY transaction_id',
  );
  const expectedRows = cases.flatMap((c) => (c.outcome.kind === 'row' ? [c.outcome] : []));
  assert.deepEqual(
    rows.map((r) => [r.transaction_id, r.status, r.amount]),
    expectedRows.map((o) => [o.transactionId, o.status, o.amount]).sort((a, b) => (a[0]! < b[0]! ? -1 : 1)),
    'raw rows: exactly the corpus rows, status stored verbatim',
  );

  const dead = await db.query<{ sha: string; payload: Uint8Array; payload_size: string; reason: string }>(
    "SELECT encode(payload_sha256, 'hex') AS sha, payload, payload_size::text AS payload_size, reason FROM dead_letters",
  );
  const bySha = new Map(dead.map((d) => [d.sha, d]));
  const expectedDead = cases.filter((c) => c.outcome.kind === 'dead');
  assert.equal(dead.length, expectedDead.length, 'dead letters: one per corpus dead letter');
  for (const c of expectedDead) {
    const d = bySha.get(sha256Hex(c.bytes));
    assert.ok(d, `${c.name}: its dead letter (by SHA-256)`);
    const o = c.outcome as { reason: string | RegExp };
    if (typeof o.reason === 'string') assert.equal(d.reason, o.reason, c.name);
    else assert.match(d.reason, o.reason, c.name);
    assert.equal(d.payload_size, String(c.bytes.length), `${c.name}: size`);
    const kept = c.bytes.length > maxMessageBytes ? c.bytes.subarray(0, KEEP) : c.bytes;
    assert.ok(Buffer.from(d.payload).equals(kept), `${c.name}: the stored bytes are the bytes sent`);
  }

  const dupes = await db.query<{ transaction_id: string }>(
    'SELECT transaction_id::text AS transaction_id FROM duplicate_events ORDER BY transaction_id',
  );
  assert.deepEqual(
    dupes.map((d) => d.transaction_id),
    cases.flatMap((c) => (c.outcome.kind === 'duplicate' ? [c.outcome.transactionId] : [])).sort(),
    'duplicates: exactly the corpus duplicates',
  );
}
