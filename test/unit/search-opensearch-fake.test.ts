/**
 * OpenSearchIndex's retention-policy path with the official @opensearch-project/opensearch client
 * against a small local HTTP fake (127.0.0.1, random port): ISM present (policy created, left alone
 * when up to date, updated with if_seq_no/if_primary_term when retention changes) and ISM absent (one
 * warning line, no failure). The real-server behaviour is covered by test/e2e/search-opensearch.test.ts.
 * Tests internals: imports its modules from src/ directly, not through src/index.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { OpenSearchIndex } from '../../src/search/opensearch/opensearch-index.ts';
import { closeServer, listenLocal } from '../support/http-fake.ts';

interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

class FakeOpenSearch {
  readonly requests: Recorded[] = [];
  readonly templates = new Map<string, any>();
  policy: { seqNo: number; body: any } | null = null;
  readonly ism: boolean;
  constructor(ism: boolean) {
    this.ism = ism;
  }
  #server = createServer((req, res) => void this.#handle(req, res));
  url = '';

  async start(): Promise<this> {
    this.url = await listenLocal(this.#server);
    return this;
  }

  stop(): Promise<void> {
    return closeServer(this.#server);
  }

  policyWrites(): Recorded[] {
    return this.requests.filter((r) => r.method === 'PUT' && r.path.startsWith('/_plugins/_ism/policies/'));
  }

  #send(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
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
    let m: RegExpExecArray | null;
    if (rec.path.startsWith('/_plugins/_ism/') && !this.ism) {
      return this.#send(res, 400, { error: `no handler found for uri [${rec.path}] and method [${rec.method}]` });
    }
    if (rec.method === 'GET' && rec.path === '/_plugins/_ism/policies') {
      return this.#send(res, 200, { policies: this.policy ? [this.policy.body] : [], total_policies: this.policy ? 1 : 0 });
    }
    if ((m = /^\/_plugins\/_ism\/policies\/([^/]+)$/.exec(rec.path))) {
      if (rec.method === 'GET') {
        if (!this.policy) return this.#send(res, 404, { error: { type: 'status_exception', reason: 'Policy not found' }, status: 404 });
        return this.#send(res, 200, {
          _id: m[1],
          _version: this.policy.seqNo + 1,
          _seq_no: this.policy.seqNo,
          _primary_term: 1,
          policy: { policy_id: m[1], ...this.policy.body.policy },
        });
      }
      if (rec.method === 'PUT') {
        const seq = rec.query.get('if_seq_no');
        if (this.policy && (seq !== String(this.policy.seqNo) || rec.query.get('if_primary_term') !== '1')) {
          return this.#send(res, 409, { error: { type: 'version_conflict_engine_exception', reason: 'document already exists' }, status: 409 });
        }
        this.policy = { seqNo: this.policy ? this.policy.seqNo + 1 : 0, body: JSON.parse(rec.body) };
        return this.#send(res, this.policy.seqNo === 0 ? 201 : 200, { _id: m[1], _seq_no: this.policy.seqNo, _primary_term: 1 });
      }
    }
    if ((rec.method === 'PUT' || rec.method === 'POST') && (m = /^\/_index_template\/([^/]+)$/.exec(rec.path))) {
      this.templates.set(m[1]!, JSON.parse(rec.body));
      return this.#send(res, 200, { acknowledged: true });
    }
    if (rec.method === 'GET' && (m = /^\/_cat\/indices\/([^/]+)$/.exec(rec.path))) {
      if (!m[1]!.includes('*'))
        return this.#send(res, 404, { error: { type: 'index_not_found_exception', reason: `no such index [${m[1]}]` }, status: 404 });
      return this.#send(res, 200, []);
    }
    if (/\/_search$/.test(rec.path)) return this.#send(res, 200, { hits: { hits: [] } });
    this.#send(res, 400, { error: { type: 'fake_unsupported', reason: `fake does not handle ${rec.method} ${rec.path}` }, status: 400 });
  }
}

async function withFake(ism: boolean, fn: (fake: FakeOpenSearch, open: (retentionDays: number) => OpenSearchIndex, log: string[]) => Promise<void>) {
  const fake = await new FakeOpenSearch(ism).start();
  const log: string[] = [];
  const opened: OpenSearchIndex[] = [];
  const open = (retentionDays: number) => {
    const ix = new OpenSearchIndex({
      url: fake.url,
      index: 'hourly_metrics',
      retentionDays,
      username: 'admin',
      password: 's3cret',
      rejectUnauthorized: false,
      replicas: 1,
      logger: (l) => log.push(l),
    });
    opened.push(ix);
    return ix;
  };
  try {
    await fn(fake, open, log);
  } finally {
    for (const ix of opened) await ix.close();
    await fake.stop();
  }
}

test('ISM present: policy created once, left alone when up to date, updated with seq_no when retention changes', async () => {
  await withFake(true, async (fake, open, log) => {
    const index = open(400);
    await index.ensure();
    await index.ensure();
    assert.equal(index.ismAvailable, true);
    for (const r of fake.requests) assert.equal(r.headers.authorization, `Basic ${Buffer.from('admin:s3cret').toString('base64')}`);

    const writes = fake.policyWrites();
    assert.equal(writes.length, 1, 'the second ensure() finds the policy up to date');
    assert.equal(writes[0]!.path, '/_plugins/_ism/policies/hourly_metrics-retention');
    assert.equal(writes[0]!.query.get('if_seq_no'), null);
    const policy = JSON.parse(writes[0]!.body).policy;
    assert.equal(policy.default_state, 'retain');
    assert.deepEqual(policy.states, [
      { name: 'retain', actions: [], transitions: [{ state_name: 'delete', conditions: { min_index_age: '431d' } }] },
      { name: 'delete', actions: [{ delete: {} }], transitions: [] },
    ]);
    assert.deepEqual(policy.ism_template, [{ index_patterns: ['hourly_metrics-*'], priority: 100 }]);

    const t = fake.templates.get('hourly_metrics');
    assert.deepEqual(
      t.template.settings,
      { number_of_shards: 1, number_of_replicas: 1 },
      'no index.lifecycle.name on OpenSearch; replicas from options',
    );
    assert.deepEqual(t.template.aliases, { hourly_metrics: {} });

    await open(30).ensure();
    const update = fake.policyWrites()[1]!;
    assert.equal(update.query.get('if_seq_no'), '0');
    assert.equal(update.query.get('if_primary_term'), '1');
    assert.deepEqual(JSON.parse(update.body).policy.states[0].transitions[0].conditions, { min_index_age: '61d' });
    assert.deepEqual(log, []);
  });
});

test('ISM absent (400 no handler): one warning line, ensure() still succeeds', async () => {
  await withFake(false, async (fake, open, log) => {
    const index = open(400);
    await index.ensure();
    await index.ensure();
    assert.equal(index.ismAvailable, false);
    assert.equal(log.length, 1, log.join('\n'));
    assert.match(log[0]!, /^warning: the OpenSearch ISM plugin is not available \(GET _plugins\/_ism\/policies -> 400\)/);
    assert.equal(fake.requests.filter((r) => r.path === '/_plugins/_ism/policies').length, 1, 'probed once per instance');
    assert.equal(fake.policyWrites().length, 0);
    assert.ok(fake.templates.has('hourly_metrics'));
  });
});
