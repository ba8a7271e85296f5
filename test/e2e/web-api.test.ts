/**
 * `txpipe serve` over HTTP, on PGlite or PostgreSQL (TXPIPE_TEST_WAREHOUSE): the OpenAPI document is
 * valid, every endpoint's real answer fits its schema in that document, the answers are the CLI's,
 * /metrics is wired, and TXPIPE_HTTP_TOKEN guards every route but /healthz without ever being printed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import SwaggerParser from '@apidevtools/swagger-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { cli } from '../support/cli.ts';
import { freshTarget } from '../support/target.ts';
import { loadKnownData } from '../support/known-data.ts';
import { get, serve } from '../support/serve.ts';

// ajv-formats is CommonJS with a default export that TypeScript sees as the module.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

interface OpenApiDoc {
  paths: Record<string, { get: { responses: Record<string, { content?: Record<string, { schema: object }> }> } }>;
}

/** A validator per (path, status) from the dereferenced document. */
function responseValidators(doc: OpenApiDoc) {
  const ajv = addFormats(new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true }));
  return (path: string, status: number, body: unknown) => {
    const schema = doc.paths[path]?.get.responses[String(status)]?.content?.['application/json']?.schema;
    assert.ok(schema, `the document describes no JSON ${status} answer for ${path}`);
    const validate = ajv.compile(schema);
    assert.ok(validate(body), `${path} ${status}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 2000)}`);
  };
}

test('the API answers what the CLI prints, each answer valid against the OpenAPI document it serves', async () => {
  // Alerts for late hours of at least 20 transactions, so that the known data has some.
  const t = await freshTarget({ TXPIPE_ALERT_LATE_MIN_TRANSACTIONS: '20' });
  try {
    const { expected } = await loadKnownData(t);
    const range = ['--from', '2026-03-01T00:00:00Z', '--to', '2026-03-01T10:00:00Z'];
    const metricsCli = (await cli(['metrics', 'hourly', '--format', 'json', ...range], t.env)).trimEnd();
    const allMetricsCli = (await cli(['metrics', 'hourly', '--format', 'json'], t.env)).trimEnd();
    const statusCli = JSON.parse(await cli(['status', '--format', 'json'], t.env));
    const runsCli = JSON.parse(await cli(['dag', 'runs', '--format', 'json'], t.env));
    const qualityCli = JSON.parse(await cli(['quality', '--format', 'json'], t.env));

    const s = await serve(t.env);
    try {
      const doc = (await get(`${s.url}api/openapi.json`)).json<OpenApiDoc>();
      await SwaggerParser.validate(structuredClone(doc) as never);
      const valid = responseValidators((await SwaggerParser.dereference(structuredClone(doc) as never)) as unknown as OpenApiDoc);

      // Hourly metrics: byte for byte what `metrics hourly --format json` printed, with and without a range.
      const metrics = await get(`${s.url}api/hourly-metrics?from=2026-03-01T00:00:00Z&to=2026-03-01T10:00:00Z`);
      assert.equal(metrics.status, 200);
      assert.match(metrics.headers.get('content-type')!, /^application\/json/);
      assert.equal(metrics.text, metricsCli);
      assert.equal((await get(`${s.url}api/hourly-metrics`)).text, allMetricsCli);
      valid('/api/hourly-metrics', 200, metrics.json());
      assert.deepEqual(
        metrics.json<{ event_hour: string }[]>().map((r) => r.event_hour),
        expected.hours.map((h) => h.event_hour).filter((h) => h >= '2026-03-01T00:00:00.000Z' && h < '2026-03-01T10:00:00.000Z'),
      );

      const latency = await get(`${s.url}api/hourly-latency`);
      valid('/api/hourly-latency', 200, latency.json());
      const lat = latency.json<{ event_hour: string; p50_seconds: number; p95_seconds: number; p99_seconds: number }[]>();
      assert.deepEqual(
        lat.map((r) => r.event_hour),
        expected.hours.map((h) => h.event_hour),
      );
      for (const r of lat) assert.ok(r.p50_seconds <= r.p95_seconds && r.p95_seconds <= r.p99_seconds, JSON.stringify(r));

      const status = await get(`${s.url}api/status`);
      valid('/api/status', 200, status.json());
      assert.deepEqual(status.json(), statusCli);

      const runs = await get(`${s.url}api/runs`);
      valid('/api/runs', 200, runs.json());
      assert.deepEqual(runs.json(), runsCli);
      const [run] = runs.json<{ state: string; tasks: { task_id: string; state: string }[] }[]>();
      assert.deepEqual(
        run!.tasks.map((x) => [x.task_id, x.state]),
        [
          ['run_transformations', 'success'],
          ['refresh_views', 'success'],
          ['check_data_quality', 'success'],
          ['index_hourly_metrics_to_elasticsearch', 'skipped'],
        ],
      );

      // The data-quality results of that run, one per check: the CLI prints five of their fields.
      const quality = await get(`${s.url}api/quality`);
      valid('/api/quality', 200, quality.json());
      const results =
        quality.json<{ run_id: string; name: string; severity: string; status: string; observed: number | null; threshold: string }[]>();
      assert.equal(results.length, 15);
      assert.ok(results.every((r) => r.run_id === runsCli[0].run_id));
      assert.deepEqual(
        results.map(({ name, severity, status, observed, threshold }) => ({ name, severity, status, observed, threshold })),
        qualityCli,
      );
      assert.deepEqual(status.json<{ quality: { run_id: string; fail: number } }>().quality.run_id, runsCli[0].run_id);
      const unknownRun = await get(`${s.url}api/quality?run=nope`);
      valid('/api/quality', 200, unknownRun.json());
      assert.deepEqual(unknownRun.json(), []);

      const pace = await get(`${s.url}api/ingest`);
      valid('/api/ingest', 200, pace.json());
      assert.ok(pace.json<{ last_ingest_at: string }>().last_ingest_at, 'no last ingest time after an ingest');

      const letters = await get(`${s.url}api/dead-letters?limit=10000`);
      valid('/api/dead-letters', 200, letters.json());
      const list = letters.json<{ id: string; topic: string; partition: number; offset: string; reason: string; received_at: string }[]>();
      assert.equal(list.length, expected.invalid);
      // Newest first: by when the ingest stored them, then by position.
      const order = list.map((d) => [Date.parse(d.received_at), BigInt(d.offset)] as const);
      for (let i = 1; i < order.length; i++) {
        const [t0, o0] = order[i - 1]!;
        const [t1, o1] = order[i]!;
        assert.ok(t0 > t1 || (t0 === t1 && o0 > o1), `dead letters not newest first at ${i}: ${list[i - 1]!.id}, ${list[i]!.id}`);
      }
      const filtered = (await get(`${s.url}api/dead-letters?reason=NOT%20JSON`)).json<{ reason: string }[]>();
      assert.ok(filtered.length > 0 && filtered.every((d) => /not json/i.test(d.reason)));
      const first = list[0]!;
      const one = await get(`${s.url}api/dead-letters/${first.topic}/${first.partition}/${first.offset}`);
      valid('/api/dead-letters/{topic}/{partition}/{offset}', 200, one.json());
      assert.equal(one.json<{ id: string }>().id, first.id);
      const missing = await get(`${s.url}api/dead-letters/${first.topic}/0/999999999`);
      assert.equal(missing.status, 404);
      valid('/api/dead-letters/{topic}/{partition}/{offset}', 404, missing.json());

      // The DAG run evaluated the alert rules: late ratio above 0.10 in each hour of at least 20
      // transactions (computed here from the messages), and freshness (the data is from March).
      const alerts = await get(`${s.url}api/alerts?state=all`);
      assert.equal(alerts.status, 200);
      valid('/api/alerts', 200, alerts.json());
      const fired = alerts.json<{ rule: string; key: string; state: string; value: number; message: string }[]>();
      const lateHours = expected.hours.filter((h) => h.total_transactions >= 20 && h.late_transactions / h.total_transactions > 0.1);
      assert.ok(lateHours.length > 0, 'the known data has no late hour to alert on');
      assert.deepEqual(
        fired
          .filter((a) => a.rule === 'late_ratio')
          .map((a) => [a.key, a.state, a.value])
          .sort(),
        lateHours.map((h) => [h.event_hour, 'open', h.late_transactions / h.total_transactions]).sort(),
      );
      const freshness = fired.filter((a) => a.rule === 'freshness');
      assert.equal(freshness.length, 1);
      assert.equal(freshness[0]!.state, 'open');
      assert.match(freshness[0]!.message, /^the newest counted event is \d+ s old, more than 900 s$/);

      const ready = await get(`${s.url}readyz`);
      assert.equal(ready.status, 200);
      valid('/readyz', 200, ready.json());
      assert.deepEqual(ready.json(), { status: 'ready', checks: { database: 'ok' } });
      valid('/healthz', 200, (await get(`${s.url}healthz`)).json());

      // A bad parameter is a 400 naming it; an unknown route a 404; writing is not allowed.
      const bad = await get(`${s.url}api/hourly-metrics?from=yesterday`);
      assert.equal(bad.status, 400);
      valid('/api/hourly-metrics', 400, bad.json());
      assert.match(bad.json<{ message: string }>().message, /^from must be an RFC 3339 date-time/);
      assert.equal((await get(`${s.url}api/runs?limit=0`)).status, 400);
      assert.equal((await get(`${s.url}api/alerts?state=maybe`)).status, 400);
      assert.equal((await get(`${s.url}api/nothing-here`)).status, 404);
      const post = await get(`${s.url}api/status`, {}, 'POST');
      assert.equal(post.status, 405);
      assert.equal(post.headers.get('allow'), 'GET, HEAD');

      // /metrics: Prometheus text; the freshness gauge is the age of the newest counted event.
      const m = await get(`${s.url}metrics`);
      assert.equal(m.status, 200);
      assert.match(m.headers.get('content-type')!, /^text\/plain/);
      assert.match(m.text, /^# (HELP|TYPE) txpipe_/m);
      assert.match(m.text, /^txpipe_alerts_open(\{[^}]*\})? /m);

      // The page and its assets come from txpipe itself, uPlot included, with a strict CSP.
      const page = await get(s.url);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-security-policy')!, /script-src 'self'/);
      for (const asset of [...page.text.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((x) => x[1]!)) {
        const a = await get(new URL(asset, s.url).href);
        assert.equal(a.status, 200, asset);
        assert.ok(a.text.length > 100, asset);
      }
      assert.match((await get(`${s.url}assets/uplot/uPlot.esm.js`)).text, /export \{ uPlot as default \}|export default uPlot/);
    } finally {
      assert.equal(await s.stop(), 0, s.output().stderr);
    }
  } finally {
    await t.cleanup();
  }
});

test('TXPIPE_HTTP_TOKEN: every route but /healthz needs it (Bearer, or Basic for browsers), and it is never printed', async () => {
  const t = await freshTarget();
  const token = 'tok-7f3a9c1e5b-secret';
  try {
    await cli(['migrate'], t.env);
    const s = await serve({ ...t.env, TXPIPE_HTTP_TOKEN: token, TXPIPE_LOG_LEVEL: 'debug' });
    try {
      assert.equal((await get(`${s.url}healthz`)).status, 200);
      const basic = (password: string) => `Basic ${Buffer.from(`anyone:${password}`).toString('base64')}`;
      for (const path of ['', 'assets/dashboard.js', 'api/status', 'api/openapi.json', 'api/hourly-metrics', 'api/alerts', 'readyz', 'metrics']) {
        const none = await get(`${s.url}${path}`);
        assert.equal(none.status, 401, `/${path} without a token`);
        assert.equal(none.json<{ error: string }>().error, 'unauthorized');
        assert.match(none.headers.get('www-authenticate') ?? '', /Bearer realm="txpipe".*Basic realm="txpipe"/);
        for (const wrong of [`Bearer ${token}x`, `Bearer ${token.slice(0, -1)}`, 'Bearer', basic('nope'), token]) {
          assert.equal((await get(`${s.url}${path}`, { authorization: wrong })).status, 401, `/${path} with ${wrong}`);
        }
        assert.notEqual((await get(`${s.url}${path}`, { authorization: `Bearer ${token}` })).status, 401, `/${path} with the token`);
        assert.notEqual((await get(`${s.url}${path}`, { authorization: basic(token) })).status, 401, `/${path} with Basic`);
      }
    } finally {
      assert.equal(await s.stop(), 0);
    }
    const { stdout, stderr } = s.output();
    assert.ok(!stdout.includes(token) && !stderr.includes(token), 'the token was printed');
  } finally {
    await t.cleanup();
  }
});
