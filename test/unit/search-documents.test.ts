/** Tests internals: the pure search-document logic of src/search/ (documents, mapping, lifecycle bodies, bulk retries). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildBulkOperations,
  chunk,
  documentId,
  expiredMonthlyIndices,
  fromSource,
  lifecycleDeleteAfterDays,
  monthlyIndexName,
  parseMonthlyIndexName,
  prepareDocuments,
  retentionHorizonMs,
  splitByRetention,
  toNdjson,
} from '../../src/search/documents.ts';
import { hourlyMetricsMapping } from '../../src/search/mapping.ts';
import { ilmPolicyBody, indexTemplateBody, ismPolicyBody } from '../../src/search/lifecycle.ts';
import { DEFAULT_RETRY, backoffDelayMs, extractBulkOutcome, failureReason, isRetryableError, writeBulk } from '../../src/search/bulk.ts';
import type { HourlyMetricsDoc } from '../../src/search/port.ts';

const doc = (event_hour: string, n = 1): HourlyMetricsDoc => ({
  event_hour,
  total_transactions: n,
  total_amount: n * 10.5,
  late_transactions: 0,
  late_ratio: 0,
});

test('index name is the UTC month of event_hour', () => {
  assert.equal(monthlyIndexName('hourly_metrics', '2026-01-01T13:00:00Z'), 'hourly_metrics-2026.01');
  assert.equal(monthlyIndexName('hourly_metrics', '2026-12-31T23:00:00Z'), 'hourly_metrics-2026.12');
  // An offset is converted to UTC first: 2026-02-01T00:30+01:00 is 2026-01-31T23:30Z.
  assert.equal(monthlyIndexName('m', '2026-02-01T00:30:00+01:00'), 'm-2026.01');
  assert.throws(() => monthlyIndexName('m', '2026-01-01 13:00'), RangeError);
  assert.throws(() => monthlyIndexName('m', 'yesterday'), /RFC 3339/);
});

test('_id is event_hour in canonical RFC 3339 UTC', () => {
  assert.equal(documentId('2026-01-01T13:00:00Z'), '2026-01-01T13:00:00Z');
  assert.equal(documentId('2026-01-01T13:00:00.000Z'), '2026-01-01T13:00:00Z');
  assert.equal(documentId('2026-01-01T14:00:00+01:00'), '2026-01-01T13:00:00Z');
});

test('monthly index names parse back to their month, other names do not', () => {
  assert.deepEqual(parseMonthlyIndexName('hm', 'hm-2026.02'), {
    year: 2026,
    month: 2,
    startMs: Date.UTC(2026, 1, 1),
    endMs: Date.UTC(2026, 2, 1),
  });
  assert.equal(parseMonthlyIndexName('hm', 'hm-2026.13'), null);
  assert.equal(parseMonthlyIndexName('hm', 'hm-x-2026.01'), null);
  assert.equal(parseMonthlyIndexName('hm', 'hm'), null);
  assert.equal(parseMonthlyIndexName('hm', 'other-2026.01'), null);
});

test('retention: horizon, kept/skipped split and whole-month pruning', () => {
  const newest = Date.parse('2026-03-10T05:00:00Z');
  assert.equal(retentionHorizonMs(newest, 30), Date.parse('2026-02-08T05:00:00Z'));

  const prepared = prepareDocuments('hm', [
    doc('2026-02-08T04:00:00Z'), // 1h before the horizon: skipped
    doc('2026-02-08T05:00:00Z'), // exactly the horizon: kept
    doc('2026-03-10T05:00:00Z'),
  ]);
  const split = splitByRetention(prepared, 30, null);
  assert.equal(split.horizonMs, Date.parse('2026-02-08T05:00:00Z'));
  assert.deepEqual(
    split.kept.map((d) => d.id),
    ['2026-02-08T05:00:00Z', '2026-03-10T05:00:00Z'],
  );
  assert.deepEqual(
    split.skipped.map((d) => d.id),
    ['2026-02-08T04:00:00Z'],
  );

  // The reference is the newest of the batch and of what is already indexed.
  const late = splitByRetention(prepareDocuments('hm', [doc('2026-02-08T05:00:00Z')]), 30, Date.parse('2026-03-11T00:00:00Z'));
  assert.equal(late.horizonMs, Date.parse('2026-02-09T00:00:00Z'));
  assert.deepEqual(
    late.skipped.map((d) => d.id),
    ['2026-02-08T05:00:00Z'],
  );
  assert.deepEqual(splitByRetention([], 30, null), { horizonMs: null, kept: [], skipped: [] });

  const indices = ['hm-2025.12', 'hm-2026.01', 'hm-2026.02', 'hm-2026.03', 'hm-foo', 'other-2020.01'];
  // Horizon inside February: December and January are wholly older, February is not.
  assert.deepEqual(expiredMonthlyIndices('hm', indices, Date.parse('2026-02-08T05:00:00Z')), ['hm-2025.12', 'hm-2026.01']);
  // Horizon exactly at 1 March 00:00: every hour of February is older, so February goes too.
  assert.deepEqual(expiredMonthlyIndices('hm', indices, Date.parse('2026-03-01T00:00:00Z')), ['hm-2025.12', 'hm-2026.01', 'hm-2026.02']);
  assert.deepEqual(expiredMonthlyIndices('hm', indices, Date.parse('2026-02-28T23:00:00Z')), ['hm-2025.12', 'hm-2026.01']);

  assert.equal(lifecycleDeleteAfterDays(400), 431);
});

test('prepareDocuments keeps exactly the five fields, one doc per _id (last wins), sorted', () => {
  const extra = { ...doc('2026-01-01T14:00:00Z', 2), note: 'dropped' } as HourlyMetricsDoc;
  const prepared = prepareDocuments('hm', [extra, doc('2026-01-01T13:00:00.000Z', 1), doc('2026-01-01T13:00:00Z', 3)]);
  assert.deepEqual(
    prepared.map((p) => [p.index, p.id, p.doc!.total_transactions]),
    [
      ['hm-2026.01', '2026-01-01T13:00:00Z', 3],
      ['hm-2026.01', '2026-01-01T14:00:00Z', 2],
    ],
  );
  assert.deepEqual(Object.keys(prepared[1]!.doc!), ['event_hour', 'total_transactions', 'total_amount', 'late_transactions', 'late_ratio']);
  assert.deepEqual(fromSource({ ...extra, _x: 1 }), doc('2026-01-01T14:00:00Z', 2));
});

test('bulk body: index action with _index/_id, then the document', () => {
  const lines = buildBulkOperations(prepareDocuments('hourly_metrics', [doc('2026-01-01T13:00:00Z', 7), doc('2026-02-01T00:00:00Z', 8)]));
  assert.deepEqual(lines, [
    { index: { _index: 'hourly_metrics-2026.01', _id: '2026-01-01T13:00:00Z' } },
    { event_hour: '2026-01-01T13:00:00Z', total_transactions: 7, total_amount: 73.5, late_transactions: 0, late_ratio: 0 },
    { index: { _index: 'hourly_metrics-2026.02', _id: '2026-02-01T00:00:00Z' } },
    { event_hour: '2026-02-01T00:00:00Z', total_transactions: 8, total_amount: 84, late_transactions: 0, late_ratio: 0 },
  ]);
  assert.equal(
    toNdjson(lines.slice(0, 2)),
    '{"index":{"_index":"hourly_metrics-2026.01","_id":"2026-01-01T13:00:00Z"}}\n' +
      '{"event_hour":"2026-01-01T13:00:00Z","total_transactions":7,"total_amount":73.5,"late_transactions":0,"late_ratio":0}\n',
  );
  assert.deepEqual(chunk([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
  assert.equal(
    chunk(Array.from({ length: 2500 }, (_, i) => i))
      .map((c) => c.length)
      .join(','),
    '1000,1000,500',
  );
});

test('mapping, template and lifecycle bodies', () => {
  assert.deepEqual(hourlyMetricsMapping(), {
    dynamic: 'strict',
    properties: {
      event_hour: { type: 'date' },
      total_transactions: { type: 'integer' },
      total_amount: { type: 'double' },
      late_transactions: { type: 'integer' },
      late_ratio: { type: 'float' },
    },
  });
  const t = indexTemplateBody('hourly_metrics', { replicas: 0, ilmPolicy: 'hourly_metrics-retention' });
  assert.deepEqual(t.index_patterns, ['hourly_metrics-*']);
  assert.deepEqual(t.template.settings, { number_of_shards: 1, number_of_replicas: 0, 'index.lifecycle.name': 'hourly_metrics-retention' });
  assert.deepEqual(t.template.aliases, { hourly_metrics: {} });
  assert.deepEqual(indexTemplateBody('x', { replicas: 2 }).template.settings, { number_of_shards: 1, number_of_replicas: 2 });

  const ism = ismPolicyBody('hourly_metrics', 400).policy;
  assert.deepEqual(ism.ism_template, [{ index_patterns: ['hourly_metrics-*'], priority: 100 }]);
  assert.deepEqual(ism.states[0]!.transitions, [{ state_name: 'delete', conditions: { min_index_age: '431d' } }]);
  assert.deepEqual(ism.states[1]!.actions, [{ delete: {} }]);
  assert.deepEqual(ilmPolicyBody('hourly_metrics', 400).phases.delete, { min_age: '431d', actions: { delete: {} } });
});

test('failure extraction: ok, retryable (429/5xx) and final failures with reasons', () => {
  const sent = prepareDocuments('hm', [
    doc('2026-01-01T01:00:00Z'),
    doc('2026-01-01T02:00:00Z'),
    doc('2026-01-01T03:00:00Z'),
    doc('2026-01-01T04:00:00Z'),
  ]);
  const outcome = extractBulkOutcome(
    {
      errors: true,
      items: [
        { index: { _index: 'hm-2026.01', _id: '2026-01-01T01:00:00Z', status: 201, result: 'created' } },
        {
          index: {
            _index: 'hm-2026.01',
            _id: '2026-01-01T02:00:00Z',
            status: 429,
            error: { type: 'es_rejected_execution_exception', reason: 'queue full' },
          },
        },
        {
          index: {
            _index: 'hm-2026.01',
            _id: '2026-01-01T03:00:00Z',
            status: 400,
            error: {
              type: 'mapper_parsing_exception',
              reason: 'failed to parse field [total_transactions]',
              caused_by: { type: 'number_format_exception', reason: 'For input string: "x"' },
            },
          },
        },
        {
          index: {
            _index: 'hm-2026.01',
            _id: '2026-01-01T04:00:00Z',
            status: 503,
            error: { type: 'unavailable_shards_exception', reason: 'primary shard is not active' },
          },
        },
      ],
    },
    sent,
  );
  assert.equal(outcome.indexed, 1);
  assert.deepEqual(
    outcome.retry.map((r) => [r.doc.id, r.status]),
    [
      ['2026-01-01T02:00:00Z', 429],
      ['2026-01-01T04:00:00Z', 503],
    ],
  );
  assert.deepEqual(outcome.failures, [
    {
      id: '2026-01-01T03:00:00Z',
      status: 400,
      reason: 'mapper_parsing_exception: failed to parse field [total_transactions] (caused by: number_format_exception: For input string: "x")',
    },
  ]);
  assert.deepEqual(extractBulkOutcome({ items: [] }, sent.slice(0, 1)).failures, [
    { id: '2026-01-01T01:00:00Z', status: 0, reason: 'no result for this document in the bulk response' },
  ]);
  assert.equal(failureReason(undefined), 'unknown error');
});

test('retry policy: backoff doubles from 200ms, 429/5xx/connection errors are retryable', () => {
  assert.deepEqual(
    [1, 2, 3, 4].map((a) => backoffDelayMs(DEFAULT_RETRY, a)),
    [200, 400, 800, 1600],
  );
  assert.equal(DEFAULT_RETRY.tries, 5);
  assert.equal(isRetryableError({ meta: { statusCode: 429 } }), true);
  assert.equal(isRetryableError({ meta: { statusCode: 502 } }), true);
  assert.equal(isRetryableError({ meta: { statusCode: 400 } }), false);
  assert.equal(isRetryableError({ name: 'ConnectionError' }), true);
  // The Elasticsearch client's ConnectionError carries statusCode 0: no response, retried like any connection error.
  assert.equal(isRetryableError({ name: 'ConnectionError', meta: { statusCode: 0 } }), true);
  assert.equal(isRetryableError(new Error('boom')), false);
});

test('writeBulk resends only 429/5xx items, then reports what still fails', async () => {
  const docs = prepareDocuments('hm', [doc('2026-01-01T01:00:00Z'), doc('2026-01-01T02:00:00Z'), doc('2026-01-01T03:00:00Z')]);
  const sentIds: string[][] = [];
  const delays: number[] = [];
  const item = (id: string, status: number) => ({
    index: { _id: id, status, ...(status >= 300 ? { error: { type: 't', reason: `r${status}` } } : {}) },
  });
  const result = await writeBulk(
    docs,
    async (lines) => {
      const ids = lines.filter((_, i) => i % 2 === 0).map((l) => (l as { index: { _id: string } }).index._id);
      sentIds.push(ids);
      if (sentIds.length === 1) throw Object.assign(new Error('too many'), { meta: { statusCode: 429 } });
      // 01 ok; 02 always 503; 03 a 400.
      return { items: ids.map((id) => item(id, id.endsWith('01:00:00Z') ? 201 : id.endsWith('02:00:00Z') ? 503 : 400)) };
    },
    { retry: { tries: 3, baseDelayMs: 10, maxDelayMs: 1000 }, sleep: async (ms) => void delays.push(ms) },
  );
  assert.deepEqual(sentIds, [
    ['2026-01-01T01:00:00Z', '2026-01-01T02:00:00Z', '2026-01-01T03:00:00Z'],
    ['2026-01-01T01:00:00Z', '2026-01-01T02:00:00Z', '2026-01-01T03:00:00Z'],
    ['2026-01-01T02:00:00Z'],
  ]);
  assert.deepEqual(delays, [10, 20]);
  assert.equal(result.indexed, 1);
  assert.deepEqual(result.failures, [
    { id: '2026-01-01T03:00:00Z', status: 400, reason: 't: r400' },
    { id: '2026-01-01T02:00:00Z', status: 503, reason: 't: r503 (still failing after 3 tries)' },
  ]);

  // A non-retryable request error is thrown as it is, at once.
  const fatal = Object.assign(new Error('forbidden'), { meta: { statusCode: 403 } });
  await assert.rejects(
    writeBulk(docs, async () => Promise.reject(fatal)),
    (err) => err === fatal,
  );
});
