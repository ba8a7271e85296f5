/**
 * `txpipe reconcile` checks every stage against the one before it: consumed records against raw rows,
 * dead letters and duplicates; transactions_clean against transactions; hourly_metrics against
 * transactions_clean. Runs on PGlite or PostgreSQL (TXPIPE_TEST_WAREHOUSE).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cli, runCli } from '../support/cli.ts';
import { freshTarget, type Target } from '../support/target.ts';
import { edgeCaseMessages, generated } from '../support/events.ts';
import { expectedMetrics, sameDecimal } from '../support/expected.ts';
import { ingestMessages } from '../support/ingest.ts';
import { EmbeddedEventLog } from '../../src/log/embedded/embedded-log.ts';
import { runDag, runSingleTask } from '../../src/dag/runner.ts';
import { silentLogger } from '../../src/observe/logger.ts';
import { MAX_LISTED_DIFFERENCES, reconcileAll, type Check, type FullReconciliation } from '../../src/reconcile.ts';
import type { Warehouse } from '../../src/warehouse/port.ts';

const CHECKS = ['consumed_records', 'transactions_clean', 'hourly_metrics', 'search_documents'];
const policy = { retries: 0, retryDelayMs: 0 };

function check(r: FullReconciliation, name: string): Check {
  const c = r.checks.find((x) => x.name === name);
  assert.ok(c, `no check ${name}`);
  return c;
}

/** Per check: [ok, difference_count, pending_hours]. */
function summary(r: FullReconciliation): Record<string, [boolean, number, number]> {
  return Object.fromEntries(r.checks.map((c) => [c.name, [c.ok, c.difference_count, c.pending_hours]]));
}

/** Messages in the embedded topic, ingested and (optionally) processed by one DAG run, in this process. */
async function pipeline(t: Target, messages: string[], runTheDag = true): Promise<{ w: Warehouse; log: EmbeddedEventLog }> {
  const w = await t.open();
  const log = new EmbeddedEventLog(w, t.config.topic);
  await ingestMessages(w, t.config, messages);
  if (runTheDag) {
    const run = await runDag({ warehouse: w, logger: silentLogger }, { logicalDate: '2026-03-01T10:00:00Z', runType: 'manual', ...policy });
    assert.equal(run.state, 'success', run.error);
  }
  return { w, log };
}

const reconcileIn = (t: Target, w: Warehouse, log: EmbeddedEventLog) => reconcileAll({ warehouse: w, log, config: t.config });

test('a clean pipeline reconciles: every check passes, nothing pending, through the CLI in text and json', async () => {
  const t = await freshTarget();
  try {
    const messages = [...edgeCaseMessages(), ...generated(3000, 17)];
    const expected = expectedMetrics(messages, BigInt(Date.now()) * 1000n);
    const { w } = await pipeline(t, messages);
    const metrics = await w.query<{ event_hour: string; total_transactions: string; total_amount: string; late_transactions: string }>(
      'SELECT event_hour::text, total_transactions::text, total_amount::text, late_transactions::text FROM hourly_metrics ORDER BY 1',
    );
    assert.deepEqual(
      metrics.map((m) => [`${m.event_hour.replace(' ', 'T')}.000Z`, Number(m.total_transactions), Number(m.late_transactions)]),
      expected.hours.map((h) => [h.event_hour, h.total_transactions, h.late_transactions]),
    );
    assert.ok(metrics.every((m, i) => sameDecimal(m.total_amount, expected.hours[i]!.total_amount)));
    await w.close();

    const r = JSON.parse(await cli(['reconcile', '--format', 'json'], t.env)) as FullReconciliation;
    assert.deepEqual(
      [r.consumed, r.raw_transactions, r.dead_letters, r.duplicates, r.balanced],
      [messages.length, expected.valid, expected.invalid, expected.duplicates, true],
    );
    assert.equal(r.ok, true);
    assert.deepEqual(
      r.checks.map((c) => c.name),
      CHECKS,
    );
    assert.deepEqual(summary(r), {
      consumed_records: [true, 0, 0],
      transactions_clean: [true, 0, 0],
      hourly_metrics: [true, 0, 0],
      search_documents: [true, 0, 0],
    });
    assert.ok(check(r, 'search_documents').skipped, 'no search engine is configured here');

    const text = await runCli(['reconcile'], t.env);
    assert.equal(text.code, 0);
    const lines = text.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, new RegExp(`^balanced: ${messages.length} records consumed`));
    assert.deepEqual(
      lines.slice(1).map((l) => l.split(':')[0]),
      CHECKS.slice(1),
    );
    assert.match(lines[1]!, /^transactions_clean: ok, 0 pending hour\(s\)/);
    assert.match(lines[2]!, /^hourly_metrics: ok, 0 pending hour\(s\)/);
  } finally {
    await t.cleanup();
  }
});

test('hours the DAG has not processed yet are pending, not differences, at every stage', async () => {
  const t = await freshTarget();
  const messages = generated(2000, 23, '2026-03-01T08:00:00Z', 600);
  const hours = expectedMetrics(messages, 0n).hours.length;
  const { w, log } = await pipeline(t, messages, false);
  try {
    // Right after the ingest: every hour waits for run_transformations.
    let r = await reconcileIn(t, w, log);
    assert.equal(r.ok, true, JSON.stringify(r.checks));
    assert.deepEqual(summary(r).transactions_clean, [true, 0, hours]);
    assert.deepEqual(summary(r).hourly_metrics, [true, 0, 0]);

    // After run_transformations alone (as Airflow runs it): transactions_clean is current, every hour
    // waits for refresh_views.
    const task = await runSingleTask(
      { warehouse: w, logger: silentLogger },
      { runId: 'airflow_1', taskId: 'run_transformations', logicalDate: '2026-03-01T10:00:00Z', fullRefresh: false, runType: 'airflow' },
    );
    assert.equal(task.state, 'success');
    r = await reconcileIn(t, w, log);
    assert.equal(r.ok, true, JSON.stringify(r.checks));
    assert.deepEqual(summary(r).transactions_clean, [true, 0, 0]);
    assert.deepEqual(summary(r).hourly_metrics, [true, 0, hours]);

    // A late event for an old hour after a complete run, ingested and not processed: that one hour is pending.
    const run = await runDag({ warehouse: w, logger: silentLogger }, { logicalDate: '2026-03-01T11:00:00Z', runType: 'manual', ...policy });
    assert.equal(run.state, 'success');
    const late = JSON.stringify({
      transaction_id: '77777777-2222-4333-8444-555555555555',
      user_id: '77777777-2222-4333-8444-000000000000',
      amount: '12.5',
      currency: 'EUR',
      status: 'completed',
      event_time: '2026-03-01T08:20:00Z',
      processing_time: '2026-03-01T12:00:00Z',
    });
    await ingestMessages(w, t.config, [late]);
    r = await reconcileIn(t, w, log);
    assert.equal(r.ok, true, JSON.stringify(r.checks));
    assert.deepEqual(summary(r), {
      consumed_records: [true, 0, 0],
      transactions_clean: [true, 0, 1],
      hourly_metrics: [true, 0, 0],
      search_documents: [true, 0, 0],
    });
  } finally {
    await w.close();
    await t.cleanup();
  }
});

interface CleanRow {
  transaction_id: string;
  event_hour: string;
  amount: string;
  is_late: boolean;
}

test('a tampered clean row, a tampered metrics row and a deleted raw row are each found and named', async () => {
  const t = await freshTarget();
  const { w, log } = await pipeline(t, generated(2000, 29, '2026-03-01T08:00:00Z', 600));
  try {
    assert.equal((await reconcileIn(t, w, log)).ok, true);
    const rows = await w.query<CleanRow>(
      'SELECT transaction_id::text, event_hour::text, amount::text, is_late FROM transactions_clean ORDER BY event_hour, transaction_id LIMIT 40',
    );
    const target = rows[3]!;
    const hour = `${target.event_hour.replace(' ', 'T')}.000Z`;

    // One clean amount changed: that row, and its hour's metrics (which no longer add up to it).
    await w.query('UPDATE transactions_clean SET amount = amount + 0.01 WHERE transaction_id = $1', [target.transaction_id]);
    const [changed] = await w.query<{ amount: string }>('SELECT amount::text FROM transactions_clean WHERE transaction_id = $1', [
      target.transaction_id,
    ]);
    let r = await reconcileIn(t, w, log);
    assert.equal(r.ok, false);
    assert.deepEqual(check(r, 'transactions_clean').differences, [
      {
        kind: 'mismatch',
        event_hour: hour,
        transaction_id: target.transaction_id,
        columns: ['amount'],
        expected: { amount: target.amount },
        found: { amount: changed!.amount },
      },
    ]);
    const m = check(r, 'hourly_metrics');
    assert.deepEqual([m.difference_count, m.differences[0]?.event_hour, m.differences[0]?.columns], [1, hour, ['total_amount']]);
    assert.deepEqual(summary(r).consumed_records, [true, 0, 0]);
    await w.query('UPDATE transactions_clean SET amount = $2::numeric WHERE transaction_id = $1', [target.transaction_id, target.amount]);

    // is_late flipped: the row (is_late) and the hour's late count and ratio.
    await w.query('UPDATE transactions_clean SET is_late = NOT is_late WHERE transaction_id = $1', [target.transaction_id]);
    r = await reconcileIn(t, w, log);
    assert.deepEqual(check(r, 'transactions_clean').differences[0]!.columns, ['is_late']);
    assert.deepEqual(check(r, 'transactions_clean').differences[0]!.expected, { is_late: target.is_late });
    assert.deepEqual(check(r, 'hourly_metrics').differences[0]!.columns, ['late_transactions', 'late_ratio']);
    await w.query('UPDATE transactions_clean SET is_late = NOT is_late WHERE transaction_id = $1', [target.transaction_id]);
    assert.equal((await reconcileIn(t, w, log)).ok, true, 'restored');

    // One metrics row changed: only the metrics check fails, naming the hour and the expected count.
    const [before] = await w.query<{ event_hour: string; total_transactions: string }>(
      'SELECT event_hour::text, total_transactions::text FROM hourly_metrics ORDER BY event_hour DESC LIMIT 1',
    );
    await w.query('UPDATE hourly_metrics SET total_transactions = total_transactions + 1 WHERE event_hour = $1', [before!.event_hour]);
    r = await reconcileIn(t, w, log);
    assert.deepEqual(summary(r), {
      consumed_records: [true, 0, 0],
      transactions_clean: [true, 0, 0],
      hourly_metrics: [false, 1, 0],
      search_documents: [true, 0, 0],
    });
    assert.deepEqual(check(r, 'hourly_metrics').differences, [
      {
        kind: 'mismatch',
        event_hour: `${before!.event_hour.replace(' ', 'T')}.000Z`,
        columns: ['total_transactions'],
        expected: { total_transactions: Number(before!.total_transactions) },
        found: { total_transactions: Number(before!.total_transactions) + 1 },
      },
    ]);
    await w.query('UPDATE hourly_metrics SET total_transactions = total_transactions - 1 WHERE event_hour = $1', [before!.event_hour]);

    // A metrics row for an hour without clean rows.
    await w.query(`INSERT INTO hourly_metrics VALUES ('2020-01-01 00:00:00', 1, 1, 0, 0)`);
    r = await reconcileIn(t, w, log);
    assert.deepEqual(
      check(r, 'hourly_metrics').differences.map((d) => [d.kind, d.event_hour]),
      [['unexpected', '2020-01-01T00:00:00.000Z']],
    );
    await w.query(`DELETE FROM hourly_metrics WHERE event_hour = '2020-01-01 00:00:00'`);

    // One raw row deleted: its clean row has no raw row any more, and the topic no longer balances.
    const victim = rows[7]!;
    await w.query('DELETE FROM transactions WHERE transaction_id = $1', [victim.transaction_id]);
    r = await reconcileIn(t, w, log);
    assert.equal(r.ok, false);
    assert.deepEqual(
      check(r, 'transactions_clean').differences.map((d) => [d.kind, d.event_hour, d.transaction_id, d.found?.amount]),
      [['unexpected', `${victim.event_hour.replace(' ', 'T')}.000Z`, victim.transaction_id, victim.amount]],
    );
    assert.deepEqual(check(r, 'consumed_records').differences, [
      { kind: 'mismatch', columns: ['records'], expected: { records: r.consumed }, found: { records: r.consumed - 1 } },
    ]);
    assert.deepEqual(summary(r).hourly_metrics, [true, 0, 0], 'hourly_metrics still agrees with transactions_clean');

    // A clean row deleted: missing, with the row it should be.
    await w.query('DELETE FROM transactions_clean WHERE transaction_id = $1', [rows[9]!.transaction_id]);
    r = await reconcileIn(t, w, log);
    const missing = check(r, 'transactions_clean').differences.find((d) => d.kind === 'missing')!;
    assert.deepEqual([missing.transaction_id, missing.expected?.amount], [rows[9]!.transaction_id, rows[9]!.amount]);
  } finally {
    await w.close();
    await t.cleanup();
  }
});

test('many differences: the first twenty are listed, all are counted, and the CLI exits 1', async () => {
  const t = await freshTarget();
  const { w, log } = await pipeline(t, generated(1000, 31, '2026-03-01T08:00:00Z', 600));
  try {
    await w.query(
      `UPDATE transactions_clean SET status = 'tampered' WHERE transaction_id IN (SELECT transaction_id FROM transactions_clean ORDER BY transaction_id LIMIT 25)`,
    );
    const tampered = await w.query<{ transaction_id: string }>(
      `SELECT transaction_id::text FROM transactions_clean WHERE status = 'tampered' ORDER BY event_hour, transaction_id`,
    );
    const c = check(await reconcileIn(t, w, log), 'transactions_clean');
    assert.equal(c.difference_count, 25);
    assert.deepEqual(
      c.differences.map((d) => d.transaction_id),
      tampered.slice(0, MAX_LISTED_DIFFERENCES).map((x) => x.transaction_id),
    );
    assert.ok(c.differences.every((d) => d.kind === 'mismatch' && d.found?.status === 'tampered'));
    await w.close();
    const text = await runCli(['reconcile'], t.env);
    assert.equal(text.code, 1);
    assert.match(text.stdout.split('\n')[1]!, /^transactions_clean: 25 difference\(s\), 0 pending hour\(s\)/);
  } finally {
    await t.cleanup();
  }
});
