/**
 * `txpipe dead-letters replay` on PGlite or PostgreSQL (TXPIPE_TEST_WAREHOUSE), after a rule change:
 * the topic was ingested by a release that did not know schema_version 2 (its v2 events are dead
 * letters), and the current release replays them. The valid ones become rows through first-wins (one
 * loses to an earlier delivery of its id, one displaces a later stored delivery), the rest stay; a dry
 * run and a second replay change nothing; reconcile balances before and after the next DAG run, whose
 * hourly totals equal an independent sum.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cli } from '../support/cli.ts';
import { freshTarget, migrateBefore, type Target } from '../support/target.ts';
import { EmbeddedEventLog } from '../../src/log/embedded/embedded-log.ts';
import { publishLines } from '../../src/log/publish.ts';
import { runIngest } from '../../src/ingest/ingest.ts';
import { runDag } from '../../src/dag/runner.ts';
import { silentLogger } from '../../src/observe/logger.ts';
import { reconcileAll } from '../../src/reconcile.ts';
import { replayDeadLetters, type ReplaySummary } from '../../src/dead-letters/replay.ts';
import type { Warehouse } from '../../src/warehouse/port.ts';
import { connectWarehouse } from '../../src/runtime.ts';
import { migrate } from '../../src/warehouse/migrate.ts';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const USER = '10000000-0000-4000-8000-000000000001';
const v1 = (n: number, amount: string, hour: number) =>
  JSON.stringify({ transaction_id: id(n), user_id: USER, amount, currency: 'USD', status: 'completed', event_time: `2026-03-01T${hour}:05:00Z` });
const v2 = (n: number, minor: number, currency: string, hour: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    schema_version: 2,
    transaction_id: id(n),
    user_id: USER,
    amount_minor: minor,
    currency,
    status: 'completed',
    event_time: `2026-03-01T${hour}:15:00Z`,
    ...extra,
  });

// Offsets 1 … 11 of the embedded topic (one publish: one append time, so delivery order is the offset).
const MESSAGES = [
  v1(1, '10.00', 10), //  1 A: a row under both releases
  v2(2, 1999, 'USD', 10, { merchant_id: 'm-b' }), // 2 B: dead, then a row
  v2(3, 1250, 'JPY', 11), //  3 C: dead, then a row
  v2(4, 12345, 'KWD', 11), // 4 D: dead, then a row
  v2(1, 500, 'USD', 12), //  5 E: dead, then a duplicate of A (offset 1 sorts first)
  v2(5, 100, 'USD', 12), //  6 F: dead, then a row that displaces G
  v1(5, '7.00', 13), //  7 G: a row until F's replay sorts before it
  v2(6, 1, 'USD', 12, { schema_version: 9 }), // 8 H: unknown to both
  'not json', //  9: invalid to both
  v2(7, 1, 'XAU', 12), // 10: XAU has no minor unit: invalid to both
  `{"pad":"${'x'.repeat(70_000)}"}`, // 11: over TXPIPE_MAX_MESSAGE_BYTES (4096 here): only its first KiB is kept, skipped
];
/** Offset 12: not UTF-8, so it can never be valid: skipped. */
const NOT_UTF8 = Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]);
const V2_OFFSETS = [2, 3, 4, 5, 6];

/**
 * Ingests the topic as a release without schema_version 2 did: its v2 events were dead letters
 * ("unknown schema_version 2"), everything else as now. Done by ingesting them unreadable, then giving
 * the log and the dead letters back their real payloads and the old reason.
 */
async function ingestAsTheOldRelease(w: Warehouse, t: Target): Promise<void> {
  const log = new EmbeddedEventLog(w, t.config.topic);
  await publishLines(
    log,
    MESSAGES.map((m, i) => (V2_OFFSETS.includes(i + 1) ? `old release: ${m}` : m)),
  );
  await log.append([{ value: NOT_UTF8 }]);
  await runIngest({ warehouse: w, log, group: t.config.group, batchSize: 1000, untilIdle: true, logger: silentLogger, limits: t.config.events });
  for (const o of V2_OFFSETS) {
    await w.query(`UPDATE txpipe_log SET payload = convert_to($2, 'UTF8') WHERE "offset" = $1`, [o, MESSAGES[o - 1]]);
    await w.query(
      `UPDATE dead_letters SET payload = convert_to($2, 'UTF8'), payload_size = octet_length(convert_to($2, 'UTF8')),
              payload_sha256 = sha256(convert_to($2, 'UTF8')), reason = 'unknown schema_version 2'
       WHERE "offset" = $1`,
      [o, MESSAGES[o - 1]],
    );
  }
}

/** Everything a replay may change, as text. */
async function state(w: Warehouse): Promise<string> {
  const parts = await Promise.all([
    w.query('SELECT transaction_id::text, amount::text, merchant_id, log_offset::text FROM transactions ORDER BY 1'),
    w.query('SELECT "offset"::text, reason FROM dead_letters ORDER BY 1'),
    w.query('SELECT "offset"::text, transaction_id::text FROM duplicate_events ORDER BY 1'),
    w.query('SELECT log_partition, first_offset::text, next_offset::text, replaces FROM changed_ranges ORDER BY 2, 3'),
    w.query('SELECT count(*)::int AS n FROM replayed_dead_letters'),
  ]);
  return JSON.stringify(parts);
}

const policy = { runType: 'manual' as const, retries: 0, retryDelayMs: 0 };

test('replay after a rule change: now-valid dead letters become rows first-wins, a dry run and a second replay change nothing, reconcile balances', async () => {
  const t = await freshTarget({ TXPIPE_MAX_MESSAGE_BYTES: '4096' });
  try {
    const w = await t.open();
    const log = new EmbeddedEventLog(w, t.config.topic);
    const reconcile = () => reconcileAll({ warehouse: w, log, config: t.config });
    await ingestAsTheOldRelease(w, t);
    assert.equal((await runDag({ warehouse: w, logger: silentLogger }, { logicalDate: '2026-03-01T14:00:00Z', ...policy })).state, 'success');
    const before = await reconcile();
    assert.ok(before.ok, JSON.stringify(before.checks));
    assert.deepEqual([before.raw_transactions, before.dead_letters, before.duplicates], [2, 10, 0]);
    const storedReasons = new Map(
      (await w.query<{ offset: number; reason: string }>('SELECT "offset"::int AS "offset", reason FROM dead_letters')).map((d) => [
        d.offset,
        d.reason,
      ]),
    );

    // A dry run reports and stores nothing.
    const snapshot = await state(w);
    const replay = (o: { dryRun?: boolean; chunk?: number; reason?: string } = {}) =>
      replayDeadLetters(w, { topic: t.config.topic, limits: t.config.events, ...o });
    const dry = await replay({ dryRun: true });
    assert.equal(await state(w), snapshot);
    const counts = (r: ReplaySummary) => [r.examined, r.rows, r.displaced, r.duplicates, r.stillInvalid, r.skipped];
    assert.deepEqual(counts(dry), [10, 4, 1, 1, 3, 2]);
    assert.equal(dry.replay_id, null);
    assert.equal((await w.query<{ n: number }>('SELECT count(*)::int AS n FROM dead_letter_replays'))[0]!.n, 0);
    // Chunks of two letters, and the reason filter.
    assert.deepEqual(counts(await replay({ dryRun: true, chunk: 2 })), counts(dry));
    assert.deepEqual(counts(await replay({ dryRun: true, reason: 'SCHEMA_VERSION 2' })), [5, 4, 1, 1, 0, 0]);

    // Two replays at once (two connections on PostgreSQL): the letters are moved once.
    const both = await Promise.all([replay(), replay()]);
    both.sort((x, y) => y.rows - x.rows);
    const r = both[0]!;
    assert.deepEqual(counts(r), counts(dry));
    assert.deepEqual(counts(both[1]!), [5, 0, 0, 0, 3, 2]);
    assert.deepEqual(r.hours, ['2026-03-01 10:00:00', '2026-03-01 11:00:00', '2026-03-01 12:00:00', '2026-03-01 13:00:00']);
    assert.deepEqual(
      r.letters.map((l) => [l.id, l.outcome, l.transaction_id ?? l.reason]),
      [
        ['transactions/0/2', 'row', id(2)],
        ['transactions/0/3', 'row', id(3)],
        ['transactions/0/4', 'row', id(4)],
        ['transactions/0/5', 'duplicate', id(1)],
        ['transactions/0/6', 'row', id(5)],
        ['transactions/0/8', 'still-invalid', 'unknown schema_version 9'],
        ['transactions/0/9', 'still-invalid', r.letters[6]!.reason],
        ['transactions/0/10', 'still-invalid', 'invalid currency: XAU has no ISO 4217 minor unit (needed for amount_minor)'],
        ['transactions/0/11', 'skipped', 'message too large: only its first KiB was kept'],
        ['transactions/0/12', 'skipped', 'not UTF-8: the message holds an invalid UTF-8 byte sequence'],
      ],
    );
    assert.match(r.letters[6]!.reason!, /^not JSON/);
    assert.deepEqual(await w.query('SELECT transaction_id::text, amount::text, merchant_id, log_offset::int FROM transactions ORDER BY 1'), [
      { transaction_id: id(1), amount: '10', merchant_id: null, log_offset: 1 },
      { transaction_id: id(2), amount: '19.99', merchant_id: 'm-b', log_offset: 2 },
      { transaction_id: id(3), amount: '1250', merchant_id: null, log_offset: 3 },
      { transaction_id: id(4), amount: '12.345', merchant_id: null, log_offset: 4 },
      { transaction_id: id(5), amount: '1', merchant_id: null, log_offset: 6 },
    ]);
    assert.deepEqual(
      (await w.query<{ offset: number }>('SELECT "offset"::int AS "offset" FROM duplicate_events ORDER BY 1')).map((d) => d.offset),
      [5, 7],
      'the letter that lost, and the stored row the replay displaced',
    );
    assert.deepEqual(
      await w.query(
        'SELECT "offset"::int AS "offset", outcome, reason, payload IS NOT NULL AS kept FROM replayed_dead_letters WHERE replay_id = $1 ORDER BY 1',
        [r.replay_id],
      ),
      [2, 3, 4, 5, 6, 8, 9, 10, 11, 12].map((o) => ({
        offset: o,
        outcome: r.letters.find((l) => l.id === `transactions/0/${o}`)!.outcome,
        reason: storedReasons.get(o),
        kept: V2_OFFSETS.includes(o),
      })),
    );
    const [payload] = await w.query<{ payload: Uint8Array }>('SELECT payload FROM replayed_dead_letters WHERE "offset" = 2');
    assert.equal(Buffer.from(payload!.payload).toString('utf8'), MESSAGES[1]);

    // Before the next run: every record is still counted once; the changed hours wait for the run.
    const between = await reconcile();
    assert.deepEqual([between.balanced, between.raw_transactions, between.dead_letters, between.duplicates], [true, 5, 5, 2]);
    assert.ok(between.checks.find((c) => c.name === 'transactions_clean')!.pending_hours > 0);

    // The next DAG run cleans the replayed rows; its totals are the sums written out here.
    assert.equal((await runDag({ warehouse: w, logger: silentLogger }, { logicalDate: '2026-03-01T15:00:00Z', ...policy })).state, 'success');
    assert.deepEqual(await w.query('SELECT event_hour::text, total_transactions::int, total_amount::text FROM hourly_metrics ORDER BY 1'), [
      { event_hour: '2026-03-01 10:00:00', total_transactions: 2, total_amount: '29.99' },
      { event_hour: '2026-03-01 11:00:00', total_transactions: 2, total_amount: '1262.345' },
      { event_hour: '2026-03-01 12:00:00', total_transactions: 1, total_amount: '1' },
    ]);
    const after = await reconcile();
    assert.ok(after.ok, JSON.stringify(after.checks));

    // A second replay (through the CLI) moves nothing.
    const settled = await state(w);
    await w.close();
    const again = JSON.parse(await cli(['dead-letters', 'replay', '--format', 'json'], t.env)) as ReplaySummary;
    assert.deepEqual(counts(again), [5, 0, 0, 0, 3, 2]);
    assert.deepEqual(again.hours, []);
    const text = await cli(['dead-letters', 'replay', '--dry-run'], t.env);
    assert.match(text, /^dry run \(nothing stored\): examined 5 dead letter\(s\) of topic transactions\n {2}would move 0 into transactions/);
    const w2 = await t.open();
    try {
      const now = JSON.parse(await state(w2));
      const was = JSON.parse(settled);
      assert.deepEqual(now.slice(0, 4), was.slice(0, 4), 'rows, dead letters, duplicates and queued ranges unchanged');
      assert.equal(now[4][0].n, was[4][0].n + 5, 'the last replay recorded what it examined, no more');
      const again2 = await reconcileAll({ warehouse: w2, log: new EmbeddedEventLog(w2, t.config.topic), config: t.config });
      assert.ok(again2.ok, JSON.stringify(again2.checks));
    } finally {
      await w2.close();
    }
  } finally {
    await t.cleanup();
  }
});

test('dead letters stored before migration 0010 take their record timestamp from the embedded log, or else their received_at', async () => {
  const t = await freshTarget();
  const w = await connectWarehouse(t.config);
  try {
    await migrateBefore(w, 10);
    const log = new EmbeddedEventLog(w, t.config.topic);
    const a = v2(20, 1999, 'USD', 10);
    const b = v2(21, 5, 'KWD', 10);
    await publishLines(log, [a]);
    // As the release before 0010 stored them: one from the embedded log, one as from a Kafka partition the log does not hold.
    await w.query(
      `INSERT INTO dead_letters (topic, partition, "offset", payload, payload_size, payload_sha256, reason, received_at)
       SELECT $1, p, o, convert_to(m, 'UTF8'), octet_length(convert_to(m, 'UTF8')), sha256(convert_to(m, 'UTF8')), 'unknown schema_version 2', r
       FROM (VALUES (0, 1, $2, now()), (3, 7, $3, '2026-03-01 12:00:00.250+00'::timestamptz)) AS l(p, o, m, r)`,
      [t.config.topic, a, b],
    );
    await migrate(w);
    const [appended] = await w.query<{ ms: string }>(`SELECT floor(extract(epoch FROM appended_at) * 1000)::bigint::text AS ms FROM txpipe_log`);
    assert.deepEqual(await w.query('SELECT partition, log_timestamp_ms::text AS ts FROM dead_letters ORDER BY 1'), [
      { partition: 0, ts: appended!.ms },
      { partition: 3, ts: null },
    ]);
    const r = await replayDeadLetters(w, { topic: t.config.topic });
    assert.deepEqual([r.rows, r.stillInvalid], [2, 0]);
    // The order key's timestamp, and processing_time (the events have none), are the record's time or else received_at.
    assert.deepEqual(
      await w.query(
        'SELECT log_partition, log_timestamp_ms::text AS ts, floor(extract(epoch FROM processing_time) * 1000)::bigint::text AS processing_ms FROM transactions ORDER BY 1',
      ),
      [
        { log_partition: 0, ts: appended!.ms, processing_ms: appended!.ms },
        { log_partition: 3, ts: String(Date.UTC(2026, 2, 1, 12, 0, 0, 250)), processing_ms: String(Date.UTC(2026, 2, 1, 12, 0, 0, 250)) },
      ],
    );
  } finally {
    await w.close();
    await t.cleanup();
  }
});
