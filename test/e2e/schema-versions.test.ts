/**
 * schema_version on PGlite or PostgreSQL (TXPIPE_TEST_WAREHOUSE): v1 and v2 events mixed in one batch
 * become the same rows with exact NUMERIC amounts (v2's amount_minor in ISO 4217 minor units: USD 2,
 * JPY 0, KWD 3), v2's merchant_id is kept, an unknown version is a dead letter naming it, and the
 * hourly totals equal an independent sum.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cli } from '../support/cli.ts';
import { freshTarget } from '../support/target.ts';
import { ingestMessages } from '../support/ingest.ts';
import { EmbeddedEventLog } from '../../src/log/embedded/embedded-log.ts';
import { runDag } from '../../src/dag/runner.ts';
import { silentLogger } from '../../src/observe/logger.ts';
import { reconcileAll } from '../../src/reconcile.ts';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const USER = '10000000-0000-4000-8000-000000000001';

function v1(n: number, amount: string, currency: string, hour = 10): string {
  return JSON.stringify({ transaction_id: id(n), user_id: USER, amount, currency, status: 'completed', event_time: `2026-03-01T${hour}:05:00Z` });
}

function v2(n: number, minor: number | string, currency: string, merchant?: string, hour = 10, version: number | string = 2): string {
  const e: Record<string, unknown> = {
    schema_version: '@v',
    transaction_id: id(n),
    user_id: USER,
    amount_minor: '@m',
    currency,
    status: 'completed',
  };
  if (merchant !== undefined) e.merchant_id = merchant;
  e.event_time = `2026-03-01T${hour}:15:00Z`;
  return JSON.stringify(e).replace('"@v"', String(version)).replace('"@m"', String(minor));
}

/** [message, expected amount as exact text (written out here, not computed by txpipe's code), merchant]. */
const CASES: [string, string, string | null][] = [
  [v1(1, '19.99', 'USD'), '19.99', null],
  [v2(2, 1999, 'USD', 'm-usd'), '19.99', 'm-usd'],
  [v1(3, '1250', 'JPY'), '1250', null],
  [v2(4, 1250, 'JPY', 'm-jpy'), '1250', 'm-jpy'],
  [v1(5, '12.345', 'KWD'), '12.345', null],
  [v2(6, 12345, 'KWD', 'm-kwd'), '12.345', 'm-kwd'],
  [v2(7, 5, 'KWD'), '0.005', null],
  [v2(8, '9007199254740991', 'USD', 'max'), '90071992547409.91', 'max'],
  [v2(9, 7, 'JPY', '商店-7', 11), '7', '商店-7'],
  [v2(10, 100, 'USD', undefined, 11, 1), '', null], // version 1 named: amount_minor means nothing there, `amount` is missing
  [v2(11, 100, 'USD', undefined, 11, 9), '', null],
];

test('v1 and v2 mixed in one batch: exact amounts in USD, JPY and KWD, merchant_id kept, an unknown version dead-lettered by name', async () => {
  const t = await freshTarget();
  try {
    const w = await t.open();
    await ingestMessages(
      w,
      t.config,
      CASES.map((c) => c[0]),
    );
    const rows = await w.query<{ transaction_id: string; amount: string; currency: string; merchant_id: string | null }>(
      'SELECT transaction_id::text, amount::text, currency, merchant_id FROM transactions ORDER BY transaction_id',
    );
    const valid = CASES.filter((c) => c[1] !== '');
    assert.deepEqual(
      rows.map((r) => [r.transaction_id, r.amount, r.merchant_id]),
      valid.map((c) => [JSON.parse(c[0]).transaction_id, c[1], c[2]]),
    );
    const dead = await w.query<{ offset: string; reason: string; log_timestamp_ms: string | null }>(
      'SELECT "offset"::text, reason, log_timestamp_ms::text FROM dead_letters ORDER BY "offset"',
    );
    assert.deepEqual(
      dead.map((d) => [d.offset, d.reason]),
      [
        ['10', 'missing field amount'],
        ['11', 'unknown schema_version 9'],
      ],
    );
    const appended = await w.query<{ ms: string }>(
      `SELECT floor(extract(epoch FROM appended_at) * 1000)::bigint::text AS ms FROM txpipe_log WHERE "offset" IN (10, 11) ORDER BY "offset"`,
    );
    assert.deepEqual(
      dead.map((d) => d.log_timestamp_ms),
      appended.map((a) => a.ms),
      'a dead letter keeps its record timestamp',
    );

    const run = await runDag(
      { warehouse: w, logger: silentLogger },
      { logicalDate: '2026-03-01T12:00:00Z', runType: 'manual', retries: 0, retryDelayMs: 0 },
    );
    assert.equal(run.state, 'success', run.error);
    // The hourly totals, summed here in thousandths (every case has at most 3 decimals).
    const milli = (a: string) => {
      const [i, f = ''] = a.split('.');
      return BigInt(i!) * 1000n + BigInt(`${f}000`.slice(0, 3));
    };
    const expected = new Map<string, bigint>();
    for (const c of valid) {
      const hour = `${JSON.parse(c[0]).event_time.slice(0, 13).replace('T', ' ')}:00:00`;
      expected.set(hour, (expected.get(hour) ?? 0n) + milli(c[1]));
    }
    const metrics = await w.query<{ event_hour: string; total_amount: string; total_transactions: string }>(
      'SELECT event_hour::text, total_amount::text, total_transactions::text FROM hourly_metrics ORDER BY 1',
    );
    assert.deepEqual(
      metrics.map((m) => [m.event_hour, milli(m.total_amount), Number(m.total_transactions)]),
      [...expected].map(([h, sum]) => [h, sum, valid.filter((c) => JSON.parse(c[0]).event_time.slice(11, 13) === h.slice(11, 13)).length]),
    );
    const r = await reconcileAll({ warehouse: w, log: new EmbeddedEventLog(w, t.config.topic), config: t.config });
    assert.ok(r.ok, JSON.stringify(r.checks));
    assert.deepEqual([r.consumed, r.raw_transactions, r.dead_letters, r.duplicates], [CASES.length, valid.length, 2, 0]);
    await w.close();

    const listed = JSON.parse(await cli(['dead-letters', 'list', '--format', 'json', '--reason', 'schema_version'], t.env)) as {
      id: string;
      reason: string;
    }[];
    assert.deepEqual(
      listed.map((l) => [l.id, l.reason]),
      [['transactions/0/11', 'unknown schema_version 9']],
    );
  } finally {
    await t.cleanup();
  }
});
