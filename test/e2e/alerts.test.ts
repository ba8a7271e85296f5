/**
 * The alert rules on the warehouse (evaluateAlerts, listAlerts): each fires once, is stored with its
 * value and threshold, is not fired again by later evaluations, and resolves when the data clears it.
 * The evaluations' clock is set by the tests (the dead-letter rule's around the real one: the
 * warehouse stamps dead letters with its own).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshTarget, migrateBefore, type Target } from '../support/target.ts';
import { ingestMessages } from '../support/ingest.ts';
import { HOUR_MS, hourKey, hourOfEvents, iso, timedEvent } from '../support/timed-events.ts';
import { runDag } from '../../src/dag/runner.ts';
import { silentLogger } from '../../src/observe/logger.ts';
import { evaluateAlerts, listAlerts, type AlertChange, type AlertRules } from '../../src/observe/alerts.ts';
import type { Warehouse } from '../../src/warehouse/port.ts';
import { connectWarehouse } from '../../src/runtime.ts';
import { migrate } from '../../src/warehouse/migrate.ts';

const H = Date.parse('2026-03-01T10:00:00Z');
const DEFAULTS: AlertRules = { lateRatio: 0.1, lateMinTransactions: 100, freshnessSeconds: 900, deadLetterRatio: 0.01, deadLetterMinRecords: 100 };
/** One rule at a time: the others cannot fire (freshness off, a dead-letter share above 100 %). */
const only = {
  late: { ...DEFAULTS, freshnessSeconds: 0, deadLetterRatio: 1 },
  freshness: { ...DEFAULTS, lateRatio: 1, deadLetterRatio: 1 },
  deadLetters: { ...DEFAULTS, lateRatio: 1, freshnessSeconds: 0 },
};

async function load(t: Target, w: Warehouse, messages: readonly string[]): Promise<void> {
  await ingestMessages(w, t.config, messages);
  const run = await runDag({ warehouse: w, logger: silentLogger }, { logicalDate: iso(H), runType: 'manual', retries: 0, retryDelayMs: 0 });
  assert.equal(run.state, 'success', run.error);
}

function evaluate(t: Target, w: Warehouse, rules: AlertRules, nowMs: number): Promise<AlertChange[]> {
  return evaluateAlerts(w, { rules, consumer: { group: t.config.group, topic: t.config.topic }, now: new Date(nowMs) });
}

const brief = (changes: AlertChange[]) => changes.map((c) => [c.change, c.alert.rule, c.alert.key, c.alert.value, c.alert.threshold]);

test('late_ratio: an hour with 0.2 over 100 transactions fires once, stored with value and threshold; more on-time events resolve it', async () => {
  const t = await freshTarget();
  const w = await t.open();
  try {
    await load(t, w, [
      ...hourOfEvents(0, H, 100, 20), // 0.2 over 100: fires
      ...hourOfEvents(1000, H + HOUR_MS, 99, 99), // all late, but under 100 transactions
      ...hourOfEvents(2000, H + 2 * HOUR_MS, 150, 15), // 0.1: not above
    ]);
    const now = H + 3 * HOUR_MS;
    assert.deepEqual(brief(await evaluate(t, w, only.late, now)), [['fired', 'late_ratio', '2026-03-01T10:00:00.000Z', 0.2, 0.1]]);
    assert.deepEqual(await listAlerts(w), [
      {
        rule: 'late_ratio',
        key: '2026-03-01T10:00:00.000Z',
        event_hour: '2026-03-01T10:00:00.000Z',
        value: 0.2,
        threshold: 0.1,
        state: 'open',
        fired_at: iso(now),
        resolved_at: null,
      },
    ]);

    // Deduplication: evaluating again fires nothing new.
    assert.deepEqual(await evaluate(t, w, only.late, now + 60_000), []);
    assert.equal((await listAlerts(w, { state: 'all' })).length, 1);

    // 100 on-time events more in that hour: 20 late of 200 is 0.1, no longer above. It resolves, once.
    await load(t, w, hourOfEvents(3000, H + 1800_000, 100, 0));
    const later = now + 300_000;
    assert.deepEqual(brief(await evaluate(t, w, only.late, later)), [['resolved', 'late_ratio', '2026-03-01T10:00:00.000Z', 0.2, 0.1]]);
    assert.deepEqual(await evaluate(t, w, only.late, later + 60_000), []);
    assert.deepEqual(await listAlerts(w), []);
    const [stored] = await listAlerts(w, { state: 'all' });
    assert.deepEqual([stored!.state, stored!.resolved_at], ['resolved', iso(later)]);

    // A lower threshold: the resolved hour does not fire twice (once per rule and hour), the 0.1 hour fires.
    const stricter = { ...only.late, lateRatio: 0.05 };
    assert.deepEqual(brief(await evaluate(t, w, stricter, later + 120_000)), [['fired', 'late_ratio', '2026-03-01T12:00:00.000Z', 0.1, 0.05]]);
    assert.deepEqual(
      (await listAlerts(w, { state: 'all' })).map((a) => [a.key, a.state]),
      [
        ['2026-03-01T12:00:00.000Z', 'open'],
        ['2026-03-01T10:00:00.000Z', 'resolved'],
      ],
    );
  } finally {
    await w.close();
    await t.cleanup();
  }
});

test('freshness: fires once when the newest counted event is older than the limit, stays one alert across hours, resolves when newer events are counted', async () => {
  const t = await freshTarget();
  const w = await t.open();
  try {
    const newest = H + 30 * 60_000; // 10:30
    await load(t, w, [timedEvent(1, H + 60_000, false), timedEvent(2, newest, false)]);
    const at = (minutes: number) => H + minutes * 60_000;
    assert.deepEqual(await evaluate(t, w, only.freshness, at(40)), [], '10 minutes old: fresh enough');
    assert.deepEqual(brief(await evaluate(t, w, only.freshness, at(50))), [['fired', 'freshness', '2026-03-01T10:00:00.000Z', 1200, 900]]);
    assert.deepEqual(await evaluate(t, w, only.freshness, at(55)), []);
    assert.deepEqual(await evaluate(t, w, only.freshness, at(70)), [], 'the episode goes on into 11:00: still the one alert');
    const [open] = await listAlerts(w);
    assert.deepEqual(
      [open!.rule, open!.key, open!.event_hour, open!.value, open!.threshold],
      ['freshness', '2026-03-01T10:00:00.000Z', null, 1200, 900],
    );

    // An event at 11:05 is counted: 5 minutes old at 11:10, the alert resolves.
    await load(t, w, [timedEvent(3, at(65), false)]);
    assert.deepEqual(brief(await evaluate(t, w, only.freshness, at(70))), [['resolved', 'freshness', '2026-03-01T10:00:00.000Z', 1200, 900]]);
    assert.deepEqual(await listAlerts(w), []);

    // Stale again later: a new episode, keyed by the hour it started in.
    assert.deepEqual(brief(await evaluate(t, w, only.freshness, at(90))), [['fired', 'freshness', '2026-03-01T11:00:00.000Z', 1500, 900]]);
    assert.deepEqual(await evaluate(t, w, only.freshness, at(100)), []);

    // Turning the rule off resolves what it opened.
    assert.deepEqual(brief(await evaluate(t, w, { ...only.freshness, freshnessSeconds: 0 }, at(101))), [
      ['resolved', 'freshness', '2026-03-01T11:00:00.000Z', 1500, 900],
    ]);
  } finally {
    await w.close();
    await t.cleanup();
  }
});

test('dead_letter_ratio: more than 1 % of the last hour’s records (at least 100) fires once, and resolves when the hour’s records are clean', async () => {
  const t = await freshTarget();
  const w = await t.open();
  try {
    const consume = (messages: string[]) => ingestMessages(w, t.config, messages);
    const invalid = (n: number) => Array.from({ length: n }, (_, i) => `not an event ${i}`);
    // Some records before the first evaluation, which starts the window: nothing to compare with yet.
    // (A partition's position counts from its log's first offset: it must exist at the window's start
    // for the window to count exactly.)
    await consume(hourOfEvents(9000, H, 10, 0));
    assert.deepEqual(await evaluate(t, w, only.deadLetters, Date.now() - 30 * 60_000), []);

    // 30 dead letters in 60 records: half, but too few records to judge.
    await consume([...hourOfEvents(0, H, 30, 0), ...invalid(30)]);
    assert.deepEqual(await evaluate(t, w, only.deadLetters, Date.now() + 1000), []);

    // 940 more, 20 of them dead letters: 50 in the 1000 records since the window started, 5 %.
    await consume([...hourOfEvents(100, H, 920, 0), ...invalid(20).map((m) => `${m}b`)]);
    const fired = await evaluate(t, w, only.deadLetters, Date.now() + 1000);
    assert.deepEqual(brief(fired), [['fired', 'dead_letter_ratio', hourKey(Date.now() + 1000), 0.05, 0.01]]);
    assert.equal(fired[0]!.alert.event_hour, null);
    const last = Date.now() + 2000;
    assert.deepEqual(await evaluate(t, w, only.deadLetters, last), []);

    // An hour later the window starts at the last sample: 2000 clean records since, it resolves.
    await consume(hourOfEvents(5000, H + HOUR_MS, 2000, 0));
    assert.deepEqual(brief(await evaluate(t, w, only.deadLetters, last + HOUR_MS + 60_000)), [
      ['resolved', 'dead_letter_ratio', fired[0]!.alert.key, 0.05, 0.01],
    ]);
    const [row] = await w.query<{ n: number }>('SELECT count(*)::int AS n FROM alert_position_samples');
    assert.ok(row!.n <= 2, `samples before the window are pruned (${row!.n} left)`);
  } finally {
    await w.close();
    await t.cleanup();
  }
});

test('two evaluations at once fire each alert once', async () => {
  const t = await freshTarget();
  const w = await t.open();
  try {
    await load(t, w, [...hourOfEvents(0, H, 100, 50), ...hourOfEvents(1000, H + HOUR_MS, 100, 50)]);
    const rules = { ...DEFAULTS, deadLetterRatio: 1 };
    const now = H + 5 * HOUR_MS;
    const both = await Promise.all([evaluate(t, w, rules, now), evaluate(t, w, rules, now)]);
    assert.deepEqual(
      brief(both.flat()).sort(),
      [
        ['fired', 'freshness', '2026-03-01T15:00:00.000Z', 4 * 3600 - 99, 900], // the newest event is at 11:01:39
        ['fired', 'late_ratio', '2026-03-01T10:00:00.000Z', 0.5, 0.1],
        ['fired', 'late_ratio', '2026-03-01T11:00:00.000Z', 0.5, 0.1],
      ].sort(),
    );
    assert.equal((await listAlerts(w, { state: 'all' })).length, 3);
  } finally {
    await w.close();
    await t.cleanup();
  }
});

test('alerts stored before migration 0011 take the JSON spelling of their key, so an hour that fired stays one alert', async () => {
  const t = await freshTarget();
  const w = await connectWarehouse(t.config);
  try {
    await migrateBefore(w, 11);
    await load(t, w, hourOfEvents(0, H, 100, 20)); // 0.2 over 100: the late_ratio rule holds for hour H
    // As the release before 0011 stored them: the hour without milliseconds.
    await w.query(
      `INSERT INTO alerts (rule, key, event_hour, value, threshold, state, fired_at)
       VALUES ('late_ratio', '2026-03-01T10:00:00Z', '2026-03-01 10:00:00', 0.2, 0.1, 'open', '2026-03-01 13:00:00+00'),
              ('freshness', '2026-03-01T09:00:00Z', NULL, 1200, 900, 'resolved', '2026-03-01 09:20:00+00')`,
    );
    await migrate(w);
    assert.deepEqual(
      (await w.query<{ key: string }>('SELECT key FROM alerts ORDER BY rule DESC')).map((r) => r.key),
      ['2026-03-01T10:00:00.000Z', '2026-03-01T09:00:00.000Z'],
    );
    // The late hour already has its alert: evaluating again fires nothing new.
    assert.deepEqual(brief(await evaluate(t, w, only.late, H + 3 * HOUR_MS)), []);
    assert.deepEqual(
      (await listAlerts(w, { state: 'all' })).map((a) => [a.rule, a.key, a.event_hour, a.state]),
      [
        ['late_ratio', '2026-03-01T10:00:00.000Z', '2026-03-01T10:00:00.000Z', 'open'],
        ['freshness', '2026-03-01T09:00:00.000Z', null, 'resolved'],
      ],
    );
  } finally {
    await w.close();
    await t.cleanup();
  }
});
