/**
 * OpenSearchIndex against a REAL OpenSearch at OPENSEARCH_URL (e.g. `eval "$(bash scripts/services/up.sh opensearch)"`).
 * Never skipped: without OPENSEARCH_URL every test fails with a message saying so. Each test works on a
 * fresh random name (`txpipe_test_<random>`) and deletes its indices, template and policy at the end.
 * Tests internals: imports its modules from src/ directly, not through src/index.ts.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Client } from '@opensearch-project/opensearch';
import { OpenSearchIndex } from '../../src/search/opensearch/opensearch-index.ts';
import type { HourlyMetricsDoc } from '../../src/search/port.ts';

const OPENSEARCH_URL = process.env.OPENSEARCH_URL;

interface Setup {
  name: string;
  raw: Client;
  log: string[];
  open: (retentionDays?: number) => OpenSearchIndex;
}

function setup(t: TestContext): Setup {
  assert.ok(
    OPENSEARCH_URL,
    'OPENSEARCH_URL is not set: this end-to-end test needs a real OpenSearch ' +
      '(eval "$(bash scripts/services/up.sh opensearch)" prints export OPENSEARCH_URL=...); it is never skipped',
  );
  const name = `txpipe_test_${randomBytes(5).toString('hex')}`;
  const raw = new Client({ node: OPENSEARCH_URL });
  const log: string[] = [];
  const opened: OpenSearchIndex[] = [];
  t.after(async () => {
    for (const ix of opened) await ix.close();
    await raw.indices.delete({ index: `${name}-*`, expand_wildcards: 'all' } as never).catch(() => {});
    await raw.indices.deleteIndexTemplate({ name }).catch(() => {});
    await raw.transport.request({ method: 'DELETE', path: `/_plugins/_ism/policies/${name}-retention` }).catch(() => {});
    await raw.close();
  });
  return {
    name,
    raw,
    log,
    open(retentionDays = 400) {
      const ix = new OpenSearchIndex({ url: OPENSEARCH_URL!, index: name, retentionDays, rejectUnauthorized: true, logger: (l) => log.push(l) });
      opened.push(ix);
      return ix;
    },
  };
}

const doc = (event_hour: string, n: number): HourlyMetricsDoc => ({
  event_hour,
  total_transactions: n,
  total_amount: n * 12.25,
  late_transactions: n % 3,
  late_ratio: (n % 3) / n,
});

async function concreteIndices(raw: Client, name: string): Promise<string[]> {
  const r = await raw.cat.indices({ index: `${name}-*`, format: 'json', h: 'index' } as never);
  return (r.body as unknown as { index: string }[]).map((x) => x.index).sort();
}

async function count(raw: Client, name: string): Promise<number> {
  await raw.indices.refresh({ index: name });
  return (await raw.count({ index: name })).body.count;
}

async function ismPresent(raw: Client): Promise<boolean> {
  try {
    await raw.transport.request({ method: 'GET', path: '/_plugins/_ism/policies' });
    return true;
  } catch (err) {
    const status = (err as { meta?: { statusCode?: number } }).meta?.statusCode;
    if (status === 400 || status === 404) return false;
    throw err;
  }
}

test('ensure() twice is harmless; strict template with alias; ISM policy or the one-line warning', async (t) => {
  const { name, raw, log, open } = setup(t);
  const index = open();
  await index.ensure();
  await index.ensure();

  const tpl = (await raw.indices.getIndexTemplate({ name })).body.index_templates;
  assert.equal(tpl.length, 1);
  const body = tpl[0]!.index_template as any;
  assert.deepEqual(body.index_patterns, [`${name}-*`]);
  assert.deepEqual(body.template.mappings, {
    dynamic: 'strict',
    properties: {
      event_hour: { type: 'date' },
      total_transactions: { type: 'integer' },
      total_amount: { type: 'double' },
      late_transactions: { type: 'integer' },
      late_ratio: { type: 'float' },
    },
  });
  assert.deepEqual(body.template.aliases, { [name]: {} });
  assert.equal(body.template.settings.index.number_of_shards, '1');
  assert.equal(body.template.settings.index.number_of_replicas, '0');
  assert.deepEqual(await concreteIndices(raw, name), [], 'no index before the first document');
  assert.deepEqual(await index.readAll(), []);

  if (await ismPresent(raw)) {
    assert.equal(index.ismAvailable, true);
    const policy = (await raw.transport.request({ method: 'GET', path: `/_plugins/_ism/policies/${name}-retention` })).body as any;
    assert.deepEqual(
      policy.policy.ism_template.map((x: any) => x.index_patterns),
      [[`${name}-*`]],
    );
    assert.deepEqual(policy.policy.states[0].transitions[0].conditions, { min_index_age: '431d' });
    assert.deepEqual(
      log.filter((l) => l.includes('ISM')),
      [],
    );
  } else {
    // This OpenSearch build has no ISM plugin: one warning line, no failure, pruning by txpipe.
    assert.equal(index.ismAvailable, false);
    const warnings = log.filter((l) => l.includes('ISM plugin is not available'));
    assert.equal(warnings.length, 1, log.join('\n'));
    assert.match(warnings[0]!, /^warning: .*GET _plugins\/_ism\/policies -> (400|404)/);
  }

  // The mapping is strict: a document with an extra field is refused by the server itself.
  await assert.rejects(
    raw.index({ index: `${name}-2026.01`, id: '2026-01-01T13:00:00Z', body: { ...doc('2026-01-01T13:00:00Z', 1), extra: 'x' } as never }),
    (err: any) => err.meta?.statusCode === 400 && err.meta.body.error.type === 'strict_dynamic_mapping_exception',
  );
  // ... while the index it auto-created carries the alias and the mapping.
  const created = (await raw.indices.get({ index: `${name}-2026.01` })).body[`${name}-2026.01`] as any;
  assert.deepEqual(Object.keys(created.aliases), [name]);
  assert.equal(created.mappings.dynamic, 'strict');
});

test('upsert(): monthly indices behind the alias, idempotent re-upsert, late arrival overwrites one doc, readAll exact', async (t) => {
  const { name, raw, open } = setup(t);
  const index = open();
  await index.ensure();
  const docs = [doc('2026-01-01T13:00:00Z', 5), doc('2026-01-31T23:00:00Z', 7), doc('2026-02-01T00:00:00Z', 2), doc('2026-02-10T08:00:00Z', 4)];

  assert.deepEqual(await index.upsert(docs), { indexed: 4, failures: [], skipped: [] });
  assert.deepEqual(await concreteIndices(raw, name), [`${name}-2026.01`, `${name}-2026.02`]);
  const aliases = (await raw.indices.getAlias({ name })).body as Record<string, unknown>;
  assert.deepEqual(Object.keys(aliases).sort(), [`${name}-2026.01`, `${name}-2026.02`]);
  const one = (await raw.get({ index: `${name}-2026.01`, id: '2026-01-01T13:00:00Z' })).body;
  assert.deepEqual(one._source, docs[0]);
  assert.equal(await count(raw, name), 4);
  assert.deepEqual(await index.readAll(), docs);

  // The same documents again: same _ids in the same indices, nothing added.
  assert.deepEqual(await index.upsert(docs), { indexed: 4, failures: [], skipped: [] });
  assert.equal(await count(raw, name), 4);

  // A late arrival: the same docs, one hour's metrics changed.
  const late = { ...docs[1]!, total_transactions: 9, total_amount: 120.75, late_transactions: 2, late_ratio: 2 / 9 };
  const again = [docs[0]!, late, docs[2]!, docs[3]!];
  assert.deepEqual(await index.upsert(again), { indexed: 4, failures: [], skipped: [] });
  assert.equal(await count(raw, name), 4);
  assert.deepEqual(await index.readAll(), again);
  const changed = (await raw.get({ index: `${name}-2026.01`, id: '2026-01-31T23:00:00Z' })).body;
  assert.equal(changed._version, 3);
  assert.deepEqual(changed._source, late);

  // A value the mapping refuses is a per-document failure with the server's reason; the rest is written.
  const bad = { ...doc('2026-02-11T00:00:00Z', 1), total_transactions: 2 ** 40 };
  const result = await index.upsert([doc('2026-02-11T01:00:00Z', 3), bad]);
  assert.equal(result.indexed, 1);
  assert.equal(result.failures.length, 1);
  assert.equal(result.failures[0]!.id, '2026-02-11T00:00:00Z');
  assert.equal(result.failures[0]!.status, 400);
  assert.match(result.failures[0]!.reason, /^mapper_parsing_exception: failed to parse field \[total_transactions\] of type \[integer\]/);
  assert.equal(await count(raw, name), 5);
});

test('retention by event time: old docs skipped, wholly expired month indices pruned by upsert() and ensure()', async (t) => {
  const { name, raw, log, open } = setup(t);
  const index = open(60);
  await index.ensure();
  const first = [doc('2026-01-15T00:00:00Z', 1), doc('2026-02-15T00:00:00Z', 2), doc('2026-03-15T00:00:00Z', 3)];
  assert.deepEqual(await index.upsert(first), { indexed: 3, failures: [], skipped: [] });
  assert.deepEqual(await concreteIndices(raw, name), [`${name}-2026.01`, `${name}-2026.02`, `${name}-2026.03`]);

  // Newest 2026-05-20T00Z - 60 days = horizon 2026-03-21T00Z: Jan and Feb are wholly older, March is not;
  // 2026-03-20T23Z is older than the horizon, so it is skipped (reported, not a failure).
  const result = await index.upsert([doc('2026-03-20T23:00:00Z', 4), doc('2026-05-20T00:00:00Z', 5)]);
  assert.deepEqual(result, { indexed: 1, failures: [], skipped: ['2026-03-20T23:00:00Z'] });
  assert.deepEqual(await concreteIndices(raw, name), [`${name}-2026.03`, `${name}-2026.05`]);
  assert.deepEqual(await index.readAll(), [first[2], doc('2026-05-20T00:00:00Z', 5)]);
  assert.ok(
    log.some((l) => l.startsWith('skipped 1 document(s) older than the 60-day retention horizon 2026-03-21T00:00:00Z')),
    log.join('\n'),
  );

  // A late hour for a pruned month is skipped too (the horizon never moves back): no index is recreated.
  assert.deepEqual((await index.upsert([doc('2026-01-20T00:00:00Z', 6)])).skipped, ['2026-01-20T00:00:00Z']);
  assert.deepEqual(await concreteIndices(raw, name), [`${name}-2026.03`, `${name}-2026.05`]);

  // ensure() prunes from the newest indexed event_hour: with 10 days, the horizon is 2026-05-10T00Z.
  const shorter = open(10);
  await shorter.ensure();
  assert.deepEqual(await concreteIndices(raw, name), [`${name}-2026.05`]);
  assert.deepEqual(await shorter.readAll(), [doc('2026-05-20T00:00:00Z', 5)]);
});

test('readAll() returns more than 10,000 documents, sorted, in chunks of <= 1000 per bulk', async (t) => {
  const { name, raw, open } = setup(t);
  const index = open(1000);
  await index.ensure();
  const start = Date.parse('2025-01-01T00:00:00Z');
  const docs = Array.from({ length: 10_050 }, (_, i) => doc(new Date(start + i * 3_600_000).toISOString().replace('.000Z', 'Z'), i + 1));
  // Shuffled input: the index order comes from event_hour, not from arrival.
  const shuffled = [...docs].sort((a, b) => ((a.total_transactions * 7919) % 10_007) - ((b.total_transactions * 7919) % 10_007));
  assert.deepEqual(await index.upsert(shuffled), { indexed: 10_050, failures: [], skipped: [] });
  assert.equal(await count(raw, name), 10_050);
  assert.equal((await concreteIndices(raw, name)).length, 14);
  const all = await index.readAll();
  assert.equal(all.length, 10_050);
  assert.deepEqual(all, docs);
});
