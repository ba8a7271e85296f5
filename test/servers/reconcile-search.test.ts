/**
 * `txpipe reconcile` against a real search engine — Elasticsearch (ELASTICSEARCH_URL) and OpenSearch
 * (OPENSEARCH_URL), the same test on each — and PostgreSQL: the documents are compared with
 * hourly_metrics. A missing server fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cli, runCli } from '../support/cli.ts';
import { freshTarget, testName } from '../support/target.ts';
import { generated } from '../support/events.ts';
import { expectedMetrics } from '../support/expected.ts';
import { ingestInto } from '../support/ingest.ts';
import { documentHour, dropIndex, ENGINES, engineEnv, readDocuments, restOk, type Engine } from '../support/search-server.ts';

const jsonHour = (hour: string) => new Date(hour).toISOString();
import type { Check, FullReconciliation } from '../../src/reconcile.ts';

async function documentsCheck(env: Record<string, string>): Promise<{ code: number | null; check: Check; all: FullReconciliation }> {
  const res = await runCli(['reconcile', '--format', 'json'], env);
  const all = JSON.parse(res.stdout) as FullReconciliation;
  return { code: res.code, check: all.checks.find((c) => c.name === 'search_documents')!, all };
}

for (const engine of ENGINES) {
  test(`[${engine}] reconcile compares every document with its hourly_metrics row: a tampered, a missing and a stray document are found and named`, async () => {
    await reconcileFindsEveryDifference(engine);
  });
}

async function reconcileFindsEveryDifference(engine: Engine): Promise<void> {
  const send = (method: string, path: string, body?: unknown) => restOk(engine, method, path, body);
  const index = testName('txpipe_idx');
  const t = await freshTarget({ ...engineEnv(engine), TXPIPE_INDEX: index }, 'postgres');
  try {
    const messages = generated(3000, 81, '2026-04-30T22:00:00Z', 600);
    await ingestInto(t, messages);
    await cli(['dag', 'run', 'process_kafka_to_postgres'], t.env);

    const docs = await readDocuments(engine, index);
    const hours = expectedMetrics(messages, 0n).hours;
    assert.deepEqual(
      docs.map((d) => d._id),
      hours.map((h) => documentHour(h.event_hour)),
    );
    let r = await documentsCheck(t.env);
    assert.equal(r.code, 0, JSON.stringify(r.all.checks));
    assert.deepEqual([r.check.ok, r.check.difference_count, r.check.pending_hours, r.check.skipped], [true, 0, 0, undefined]);

    // One document's amount changed, another deleted, one written for an hour without metrics.
    const [tampered, deleted] = [docs[1]!, docs.at(-1)!];
    await send('POST', `/${tampered._index}/_update/${tampered._id}?refresh=true`, { doc: { total_amount: tampered._source.total_amount + 1 } });
    await send('DELETE', `/${deleted._index}/_doc/${deleted._id}?refresh=true`);
    const stray = { event_hour: '2026-05-03T07:00:00Z', total_transactions: 1, total_amount: 2.5, late_transactions: 0, late_ratio: 0 };
    await send('PUT', `/${index}-2026.05/_doc/${stray.event_hour}?refresh=true`, stray);

    r = await documentsCheck(t.env);
    assert.equal(r.code, 1);
    assert.equal(r.all.ok, false);
    assert.deepEqual(
      r.all.checks.filter((c) => !c.ok).map((c) => c.name),
      ['search_documents'],
    );
    assert.equal(r.check.difference_count, 3);
    assert.deepEqual(r.check.differences, [
      {
        kind: 'mismatch',
        event_hour: jsonHour(tampered._id),
        columns: ['total_amount'],
        expected: { total_amount: tampered._source.total_amount },
        found: { total_amount: tampered._source.total_amount + 1 },
      },
      // The difference's hour as JSON spells it; expected and found, the documents as they are.
      { kind: 'missing', event_hour: jsonHour(deleted._id), expected: deleted._source },
      { kind: 'unexpected', event_hour: jsonHour(stray.event_hour), found: stray },
    ]);
    const text = await runCli(['reconcile'], t.env);
    assert.equal(text.code, 1);
    assert.match(text.stdout.split('\n')[3]!, /^search_documents: 3 difference\(s\), 0 pending hour\(s\)/);

    // A full refresh re-sends every hour: the two documents are right again, the stray one stays.
    await cli(['dag', 'run', 'process_kafka_to_postgres', '--full-refresh'], t.env);
    r = await documentsCheck(t.env);
    assert.deepEqual(
      r.check.differences.map((d) => [d.kind, d.event_hour]),
      [['unexpected', jsonHour(stray.event_hour)]],
    );
  } finally {
    await dropIndex(engine, index);
    await t.cleanup();
  }
}
