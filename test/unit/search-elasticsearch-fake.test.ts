/**
 * ElasticsearchIndex with the official @elastic/elasticsearch client against a local HTTP fake of
 * Elasticsearch 9 (node:http on 127.0.0.1, random port). The fake checks what the client sends
 * (auth header, product header round trip, ILM policy, index template, _bulk NDJSON), keeps documents
 * in memory by index/_id, applies the stored template's strict mapping to auto-created indices, and can
 * inject a 429 for a whole bulk request or for one document.
 * Tests internals: imports its modules from src/ directly, not through src/index.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { ElasticsearchIndex, ilmUnavailable } from '../../src/search/elasticsearch/elasticsearch-index.ts';
import { openSearchIndex } from '../../src/search/open.ts';
import type { HourlyMetricsDoc } from '../../src/search/port.ts';
import { closeServer, listenLocal } from '../support/http-fake.ts';

const API_KEY = 'VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==';

interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

interface FakeIndex {
  aliases: Set<string>;
  properties: Record<string, { type: string }> | null;
  strict: boolean;
  docs: Map<string, Record<string, unknown>>;
}

function globToRegExp(glob: string): RegExp {
  return new RegExp(
    `^${glob
      .split('*')
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
}

class FakeElasticsearch {
  readonly requests: Recorded[] = [];
  readonly policies = new Map<string, unknown>();
  readonly templates = new Map<string, any>();
  readonly indices = new Map<string, FakeIndex>();
  /** Answer the next N bulk requests with 429. */
  rejectBulkRequests = 0;
  /** Answer these _ids with a per-item 429 once. */
  readonly rejectItemsOnce = new Set<string>();
  productHeader = true;
  /** When set, PUT _ilm/policy/… answers this instead of storing the policy (a cluster without ILM, or one refusing it). */
  ilmAnswer: { status: number; body: unknown } | undefined;
  #server = createServer((req, res) => void this.#handle(req, res));
  url = '';

  async start(): Promise<this> {
    this.url = await listenLocal(this.#server);
    return this;
  }

  stop(): Promise<void> {
    return closeServer(this.#server);
  }

  count(): number {
    let n = 0;
    for (const index of this.indices.values()) n += index.docs.size;
    return n;
  }

  bulkRequests(): Recorded[] {
    return this.requests.filter((r) => r.path === '/_bulk');
  }

  #resolve(target: string): string[] {
    const out = new Set<string>();
    for (const part of target.split(',')) {
      const re = globToRegExp(part);
      for (const [name, index] of this.indices) if (re.test(name) || index.aliases.has(part)) out.add(name);
    }
    return [...out].sort();
  }

  #createIndex(name: string): FakeIndex {
    let best: any = null;
    for (const t of this.templates.values()) {
      if ((t.index_patterns as string[]).some((p) => globToRegExp(p).test(name)) && (!best || t.priority > best.priority)) best = t;
    }
    const index: FakeIndex = {
      aliases: new Set(Object.keys(best?.template?.aliases ?? {})),
      properties: best?.template?.mappings?.properties ?? null,
      strict: best?.template?.mappings?.dynamic === 'strict',
      docs: new Map(),
    };
    this.indices.set(name, index);
    return index;
  }

  /** null when the document fits the index mapping, else an ES-like error. */
  #mappingError(index: FakeIndex, id: string, doc: Record<string, unknown>): { type: string; reason: string } | null {
    if (!index.properties) return null;
    for (const [field, value] of Object.entries(doc)) {
      const prop = index.properties[field];
      if (!prop) {
        if (index.strict) {
          return {
            type: 'strict_dynamic_mapping_exception',
            reason: `[1:1] mapping set to strict, dynamic introduction of [${field}] within [_doc] is not allowed`,
          };
        }
        continue;
      }
      const bad = (why: string) => ({
        type: 'mapper_parsing_exception',
        reason: `failed to parse field [${field}] of type [${prop.type}] in document with id '${id}'. Preview of field's value: '${value}' (${why})`,
      });
      if (value === null) continue;
      if (prop.type === 'date' && (typeof value !== 'string' || Number.isNaN(Date.parse(value)))) return bad('not a date');
      if (prop.type === 'integer' && (typeof value !== 'number' || value > 2 ** 31 - 1 || value < -(2 ** 31))) {
        return bad(`Value [${value}] is out of range for an integer`);
      }
      if ((prop.type === 'double' || prop.type === 'float') && typeof value !== 'number') return bad('not a number');
    }
    return null;
  }

  #send(res: ServerResponse, status: number, body: unknown): void {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.productHeader) headers['x-elastic-product'] = 'Elasticsearch';
    res.writeHead(status, headers);
    res.end(JSON.stringify(body));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const u = new URL(req.url ?? '/', 'http://fake');
    const rec: Recorded = {
      method: req.method ?? 'GET',
      path: decodeURIComponent(u.pathname),
      query: u.searchParams,
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    this.requests.push(rec);
    const json = () => JSON.parse(rec.body || '{}');
    const ack = { acknowledged: true };
    const notFound = (name: string) =>
      this.#send(res, 404, { error: { type: 'index_not_found_exception', reason: `no such index [${name}]`, 'resource.id': name }, status: 404 });
    let m: RegExpExecArray | null;

    if (rec.method === 'GET' && rec.path === '/') {
      return this.#send(res, 200, {
        name: 'fake',
        cluster_name: 'fake',
        version: { number: '9.1.0', build_flavor: 'default' },
        tagline: 'You Know, for Search',
      });
    }
    if (rec.method === 'PUT' && (m = /^\/_ilm\/policy\/([^/]+)$/.exec(rec.path))) {
      if (this.ilmAnswer) return this.#send(res, this.ilmAnswer.status, this.ilmAnswer.body);
      this.policies.set(m[1]!, json());
      return this.#send(res, 200, ack);
    }
    if (rec.method === 'PUT' && (m = /^\/_index_template\/([^/]+)$/.exec(rec.path))) {
      this.templates.set(m[1]!, json());
      return this.#send(res, 200, ack);
    }
    if (rec.method === 'GET' && (m = /^\/_cat\/indices\/([^/]+)$/.exec(rec.path))) {
      const names = this.#resolve(m[1]!);
      if (names.length === 0 && !m[1]!.includes('*')) return notFound(m[1]!);
      return this.#send(
        res,
        200,
        names.map((index) => ({ index })),
      );
    }
    if ((rec.method === 'POST' || rec.method === 'PUT') && rec.path === '/_bulk') {
      if (this.rejectBulkRequests > 0) {
        this.rejectBulkRequests--;
        return this.#send(res, 429, {
          error: { type: 'es_rejected_execution_exception', reason: 'rejected execution (queue capacity 200)' },
          status: 429,
        });
      }
      const lines = rec.body.split('\n').filter((l) => l !== '');
      const items: unknown[] = [];
      let errors = false;
      for (let i = 0; i < lines.length; i += 2) {
        const parsed = JSON.parse(lines[i]!) as { index?: { _index: string; _id: string }; delete?: { _index: string; _id: string } };
        if (parsed.delete) {
          // A delete action has no document line; a missing index or document answers 404, as Elasticsearch does.
          const { _index, _id } = parsed.delete;
          const found = this.indices.get(_index)?.docs.delete(_id) ?? false;
          items.push({ delete: { _index, _id, status: found ? 200 : 404, result: found ? 'deleted' : 'not_found' } });
          i--;
          continue;
        }
        const action = parsed.index!;
        const doc = JSON.parse(lines[i + 1]!) as Record<string, unknown>;
        if (this.rejectItemsOnce.delete(action._id)) {
          errors = true;
          items.push({
            index: {
              ...action,
              status: 429,
              error: { type: 'es_rejected_execution_exception', reason: 'rejected execution of coordinating operation' },
            },
          });
          continue;
        }
        const index = this.indices.get(action._index) ?? this.#createIndex(action._index);
        const error = this.#mappingError(index, action._id, doc);
        if (error) {
          errors = true;
          items.push({ index: { ...action, status: 400, error } });
          continue;
        }
        const existed = index.docs.has(action._id);
        index.docs.set(action._id, doc);
        items.push({ index: { ...action, status: existed ? 200 : 201, result: existed ? 'updated' : 'created' } });
      }
      return this.#send(res, 200, { errors, took: 1, items });
    }
    if ((m = /^\/([^/_][^/]*)\/_refresh$/.exec(rec.path))) {
      return this.#send(res, 200, { _shards: { total: 1, successful: 1, failed: 0 } });
    }
    if ((rec.method === 'POST' || rec.method === 'GET') && (m = /^\/([^/_][^/]*)\/_search$/.exec(rec.path))) {
      const body = json();
      const order = body.sort?.[0]?.event_hour?.order ?? 'asc';
      const after: number | undefined = body.search_after?.[0];
      const hits = this.#resolve(m[1]!)
        .flatMap((name) =>
          [...this.indices.get(name)!.docs].map(([id, doc]) => ({
            _index: name,
            _id: id,
            _source: doc,
            sort: [Date.parse(doc.event_hour as string)],
          })),
        )
        .sort((a, b) => (order === 'asc' ? a.sort[0]! - b.sort[0]! : b.sort[0]! - a.sort[0]!))
        .filter((h) => after === undefined || (order === 'asc' ? h.sort[0]! > after : h.sort[0]! < after))
        .slice(0, body.size ?? 10);
      return this.#send(res, 200, { took: 1, timed_out: false, hits: { hits } });
    }
    if (rec.method === 'DELETE' && (m = /^\/([^/_][^/]*)$/.exec(rec.path))) {
      const names = m[1]!.split(',');
      for (const n of names) if (!this.indices.has(n)) return notFound(n);
      for (const n of names) this.indices.delete(n);
      return this.#send(res, 200, ack);
    }
    this.#send(res, 400, { error: { type: 'fake_unsupported', reason: `fake does not handle ${rec.method} ${rec.path}` }, status: 400 });
  }
}

const doc = (event_hour: string, n: number): HourlyMetricsDoc => ({
  event_hour,
  total_transactions: n,
  total_amount: n * 12.25,
  late_transactions: n % 3,
  late_ratio: (n % 3) / n,
});

async function withFake(fn: (fake: FakeElasticsearch, index: ElasticsearchIndex, log: string[]) => Promise<void>, retentionDays = 400) {
  const fake = await new FakeElasticsearch().start();
  const log: string[] = [];
  const index = new ElasticsearchIndex({
    url: fake.url,
    index: 'hourly_metrics',
    retentionDays,
    apiKey: API_KEY,
    rejectUnauthorized: true,
    logger: (line) => log.push(line),
    retry: { baseDelayMs: 20 },
  });
  try {
    await fn(fake, index, log);
  } finally {
    await index.close();
    await fake.stop();
  }
}

test('ensure(): ILM policy and index template bodies, API-key auth, product header', async () => {
  await withFake(async (fake, index) => {
    await index.ensure();
    await index.ensure();
    assert.equal(index.kind, 'elasticsearch');
    assert.equal(index.name, 'hourly_metrics');
    assert.ok(fake.requests.length > 0);
    for (const r of fake.requests) assert.equal(r.headers.authorization, `ApiKey ${API_KEY}`, `${r.method} ${r.path}`);
    // compatible-with=8 is what both Elasticsearch 8 and 9 accept (9 through REST API compatibility).
    for (const r of fake.requests) assert.match(String(r.headers.accept), /compatible-with=8/, `${r.method} ${r.path}`);
    for (const r of fake.requests.filter((x) => x.method !== 'GET' && x.method !== 'HEAD' && x.method !== 'DELETE')) {
      assert.match(String(r.headers['content-type']), /^application\/vnd\.elasticsearch\+(x-nd)?json; compatible-with=8$/, `${r.method} ${r.path}`);
    }

    assert.deepEqual([...fake.policies.keys()], ['hourly_metrics-retention']);
    const policy = fake.policies.get('hourly_metrics-retention') as any;
    assert.deepEqual(policy.policy.phases.delete, { min_age: '431d', actions: { delete: {} } });

    assert.deepEqual([...fake.templates.keys()], ['hourly_metrics']);
    const t = fake.templates.get('hourly_metrics');
    assert.deepEqual(t.index_patterns, ['hourly_metrics-*']);
    assert.deepEqual(t.template.mappings, {
      dynamic: 'strict',
      properties: {
        event_hour: { type: 'date' },
        total_transactions: { type: 'integer' },
        total_amount: { type: 'double' },
        late_transactions: { type: 'integer' },
        late_ratio: { type: 'float' },
      },
    });
    assert.deepEqual(t.template.aliases, { hourly_metrics: {} });
    assert.deepEqual(t.template.settings, { number_of_shards: 1, number_of_replicas: 0, 'index.lifecycle.name': 'hourly_metrics-retention' });
  });
});

test('ILM absent, as each kind of cluster answers it: one warning, no lifecycle setting in the template, ensure() asks once', async () => {
  const answers: [string, { status: number; body: unknown }, string][] = [
    // Elastic's integ-test-zip (the Elasticsearch 8.19 of the test line): no ILM module, no REST handler.
    [
      'no handler',
      { status: 400, body: { error: 'no handler found for uri [/_ilm/policy/hourly_metrics-retention] and method [PUT]' } },
      '400 no handler found',
    ],
    [
      'serverless',
      {
        status: 400,
        body: {
          error: {
            type: 'api_not_available_exception',
            reason: 'Request for uri [/_ilm/policy/x] with method [PUT] exists but is not available when running in serverless mode',
          },
          status: 400,
        },
      },
      '400 api_not_available_exception',
    ],
    ['gone', { status: 410, body: { error: { type: 'gone', reason: 'gone' }, status: 410 } }, '410'],
    ['not found', { status: 404, body: { error: { type: 'resource_not_found_exception', reason: 'x' }, status: 404 } }, '404'],
  ];
  for (const [what, answer, shown] of answers) {
    await withFake(async (fake, index, log) => {
      fake.ilmAnswer = answer;
      await index.ensure();
      await index.ensure();
      assert.equal(index.ilmAvailable, false, what);
      assert.equal(fake.requests.filter((r) => r.path.startsWith('/_ilm/')).length, 1, `${what}: asked ILM once`);
      assert.deepEqual(
        log,
        [
          `warning: Elasticsearch ILM is not available (PUT _ilm/policy/hourly_metrics-retention -> ${shown}); no ILM policy, retention is enforced only by txpipe's event-time pruning`,
        ],
        what,
      );
      assert.deepEqual(fake.templates.get('hourly_metrics').template.settings, { number_of_shards: 1, number_of_replicas: 0 }, what);
      // Retention is still txpipe's: a document past the horizon is skipped.
      const result = await index.upsert([doc('2024-01-01T00:00:00Z', 1), doc('2026-01-01T00:00:00Z', 2)]);
      assert.deepEqual([result.indexed, result.skipped], [1, ['2024-01-01T00:00:00Z']], what);
    });
  }
});

test('a 400 that is not "ILM absent" (a policy the cluster refuses) fails ensure() and puts no template', async () => {
  await withFake(async (fake, index, log) => {
    fake.ilmAnswer = {
      status: 400,
      body: { error: { type: 'x_content_parse_exception', reason: '[1:2] [put_lifecycle_request] unknown field [phasez]' }, status: 400 },
    };
    await assert.rejects(index.ensure(), (err: any) => err.meta?.statusCode === 400 && /x_content_parse_exception/.test(err.message));
    assert.equal(index.ilmAvailable, undefined);
    assert.deepEqual(log, []);
    assert.equal(fake.templates.size, 0);
  });
});

test('ilmUnavailable() reads the body of the error, not only the status', () => {
  const err = (statusCode: number, body: unknown) => Object.assign(new Error('x'), { meta: { statusCode }, body });
  assert.equal(ilmUnavailable(err(400, { error: 'no handler found for uri [/_ilm/policy/p] and method [PUT]' })), '400 no handler found');
  assert.equal(ilmUnavailable(err(400, 'No handler found for uri [/_ilm/policy/p] and method [PUT]')), '400 no handler found');
  assert.equal(ilmUnavailable(err(400, { error: 'something else' })), undefined);
  assert.equal(ilmUnavailable(err(400, { error: { type: 'illegal_argument_exception', reason: 'no handler found for uri' } })), undefined);
  assert.equal(ilmUnavailable(err(403, { error: { type: 'security_exception' } })), undefined);
  assert.equal(ilmUnavailable(err(500, {})), undefined);
  assert.equal(ilmUnavailable(new Error('socket hang up')), undefined);
});

test('the client refuses a server without x-elastic-product (the fake is checked by the real client)', async () => {
  await withFake(async (fake, index) => {
    fake.productHeader = false;
    await assert.rejects(index.ensure(), { name: 'ProductNotSupportedError' });
  });
});

test('upsert(): _bulk NDJSON, 429 retried, idempotent re-upsert, late arrival, readAll', async () => {
  await withFake(async (fake, index, log) => {
    await index.ensure();
    const docs = [doc('2026-01-01T13:00:00Z', 5), doc('2026-01-31T23:00:00Z', 7), doc('2026-02-01T00:00:00Z', 2)];
    fake.rejectBulkRequests = 1;
    const first = await index.upsert(docs);
    assert.deepEqual(first, { indexed: 3, failures: [], skipped: [] });

    const bulks = fake.bulkRequests();
    assert.equal(bulks.length, 2, 'one 429, then the same request again');
    assert.equal(bulks[1]!.body, bulks[0]!.body);
    assert.match(String(bulks[0]!.headers['content-type']), /x-ndjson/);
    assert.equal(bulks[0]!.headers.authorization, `ApiKey ${API_KEY}`);
    const lines = bulks[0]!.body
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l));
    assert.deepEqual(lines[0], { index: { _index: 'hourly_metrics-2026.01', _id: '2026-01-01T13:00:00Z' } });
    assert.deepEqual(lines[1], docs[0]);
    assert.deepEqual(Object.keys(lines[1]!), ['event_hour', 'total_transactions', 'total_amount', 'late_transactions', 'late_ratio']);
    assert.deepEqual(lines[4], { index: { _index: 'hourly_metrics-2026.02', _id: '2026-02-01T00:00:00Z' } });
    assert.equal(lines.length, 6);
    assert.ok(
      log.some((l) => /bulk request failed \(429\), retrying in 20ms/.test(l)),
      log.join('\n'),
    );

    assert.deepEqual([...fake.indices.keys()].sort(), ['hourly_metrics-2026.01', 'hourly_metrics-2026.02']);
    assert.equal(fake.count(), 3);
    assert.deepEqual(await index.readAll(), docs);

    // Same docs again: same indices and _ids, count unchanged.
    assert.equal((await index.upsert(docs)).indexed, 3);
    assert.equal(fake.count(), 3);

    // A late arrival changes one hour's metrics: overwritten in place.
    const late = { ...docs[1]!, total_transactions: 9, late_transactions: 2, late_ratio: 2 / 9, total_amount: 99.5 };
    assert.deepEqual(await index.upsert([late]), { indexed: 1, failures: [], skipped: [] });
    assert.equal(fake.count(), 3);
    assert.deepEqual(await index.readAll(), [docs[0], late, docs[2]]);
  });
});

test('remove(): delete actions in the monthly index of each hour; a document already gone is no failure', async () => {
  await withFake(async (fake, index) => {
    const docs = [doc('2026-01-01T13:00:00Z', 5), doc('2026-02-01T00:00:00Z', 2)];
    await index.upsert(docs);
    const before = fake.bulkRequests().length;
    const removed = await index.remove(['2026-02-01T00:00:00Z', '2026-03-05T10:00:00Z']);
    assert.deepEqual(removed, { indexed: 2, failures: [] });
    const lines = fake
      .bulkRequests()
      [before]!.body.split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l));
    assert.deepEqual(lines, [
      { delete: { _index: 'hourly_metrics-2026.02', _id: '2026-02-01T00:00:00Z' } },
      { delete: { _index: 'hourly_metrics-2026.03', _id: '2026-03-05T10:00:00Z' } },
    ]);
    assert.deepEqual(await index.readAll(), [docs[0]]);
  });
});

test('upsert(): per-document 429 resends only that document; a mapping error is a failure with its reason', async () => {
  await withFake(async (fake, index) => {
    await index.ensure();
    fake.rejectItemsOnce.add('2026-03-01T01:00:00Z');
    const docs = [doc('2026-03-01T00:00:00Z', 1), doc('2026-03-01T01:00:00Z', 2), { ...doc('2026-03-01T02:00:00Z', 3), total_transactions: 2 ** 40 }];
    const result = await index.upsert(docs);
    assert.equal(result.indexed, 2);
    assert.equal(result.failures.length, 1);
    assert.equal(result.failures[0]!.id, '2026-03-01T02:00:00Z');
    assert.equal(result.failures[0]!.status, 400);
    assert.match(
      result.failures[0]!.reason,
      /^mapper_parsing_exception: failed to parse field \[total_transactions\] of type \[integer\].*out of range for an integer/,
    );

    const bulks = fake.bulkRequests();
    assert.equal(bulks.length, 2);
    const resent = bulks[1]!.body
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l));
    assert.deepEqual(resent, [{ index: { _index: 'hourly_metrics-2026.03', _id: '2026-03-01T01:00:00Z' } }, docs[1]]);
    assert.deepEqual(
      (await index.readAll()).map((d) => d.event_hour),
      ['2026-03-01T00:00:00Z', '2026-03-01T01:00:00Z'],
    );
  });
});

test('upsert(): chunks of <= 1000 documents; readAll pages past 1000 with search_after', async () => {
  await withFake(async (fake, index) => {
    await index.ensure();
    const start = Date.parse('2026-01-01T00:00:00Z');
    const docs = Array.from({ length: 2500 }, (_, i) => doc(new Date(start + i * 3_600_000).toISOString().replace('.000Z', 'Z'), i + 1));
    const result = await index.upsert(docs);
    assert.deepEqual(result, { indexed: 2500, failures: [], skipped: [] });
    assert.deepEqual(
      fake.bulkRequests().map((r) => r.body.split('\n').filter((l) => l !== '').length / 2),
      [1000, 1000, 500],
    );
    assert.deepEqual([...fake.indices.keys()].sort(), [
      'hourly_metrics-2026.01',
      'hourly_metrics-2026.02',
      'hourly_metrics-2026.03',
      'hourly_metrics-2026.04',
    ]);
    const all = await index.readAll();
    assert.equal(all.length, 2500);
    assert.deepEqual(all, docs);
    const searches = fake.requests.filter((r) => r.path === '/hourly_metrics/_search' && JSON.parse(r.body).sort[0].event_hour.order === 'asc');
    assert.equal(searches.length, 3);
    assert.deepEqual(JSON.parse(searches[1]!.body).search_after, [Date.parse(docs[999]!.event_hour)]);
  });
});

test('retention by event time: old docs skipped and reported, wholly expired months deleted', async () => {
  await withFake(async (fake, index, log) => {
    await index.ensure();
    await index.upsert([doc('2026-01-15T00:00:00Z', 1), doc('2026-02-15T00:00:00Z', 2), doc('2026-03-15T00:00:00Z', 3)]);
    assert.equal(fake.count(), 3);
    // Newest 2026-05-20T00Z, 60 days -> horizon 2026-03-21T00Z: January and February are wholly older.
    const result = await index.upsert([doc('2026-03-20T23:00:00Z', 4), doc('2026-05-20T00:00:00Z', 5)]);
    assert.deepEqual(result, { indexed: 1, failures: [], skipped: ['2026-03-20T23:00:00Z'] });
    assert.deepEqual([...fake.indices.keys()].sort(), ['hourly_metrics-2026.03', 'hourly_metrics-2026.05']);
    assert.ok(fake.requests.some((r) => r.method === 'DELETE' && r.path === '/hourly_metrics-2026.01,hourly_metrics-2026.02'));
    assert.deepEqual(
      (await index.readAll()).map((d) => d.event_hour),
      ['2026-03-15T00:00:00Z', '2026-05-20T00:00:00Z'],
    );
    assert.ok(
      log.some((l) => l.startsWith('skipped 1 document(s) older than the 60-day retention horizon 2026-03-21T00:00:00Z')),
      log.join('\n'),
    );
    assert.ok(
      log.some((l) => l.includes('deleted 2 monthly index(es)')),
      log.join('\n'),
    );
  }, 60);
});

test('openSearchIndex() picks the adapter from settings', async () => {
  const es = openSearchIndex({
    engine: 'elasticsearch',
    url: 'http://127.0.0.1:1',
    index: 'hm',
    retentionDays: 10,
    rejectUnauthorized: true,
    apiKey: 'k',
  });
  const os = openSearchIndex({
    engine: 'opensearch',
    url: 'http://127.0.0.1:1',
    index: 'hm',
    retentionDays: 10,
    rejectUnauthorized: false,
    username: 'u',
    password: 'p',
  });
  assert.equal(es.kind, 'elasticsearch');
  assert.equal(os.kind, 'opensearch');
  assert.equal(os.name, 'hm');
  await es.close();
  await os.close();
});
