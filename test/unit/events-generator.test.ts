/** generateEvents at its module, with internals beside it (the PRNG, the timestamp helpers): the synthetic stream is deterministic and shaped as asked. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { validateEvent } from '../../src/events/event.ts';
import { CURRENCIES, STATUSES, defaultStart, generateEvents, type GenerateOptions } from '../../src/events/generator.ts';
import { epochMsOf, parseTimestamp } from '../../src/events/timestamp.ts';
import { Prng } from '../../src/events/prng.ts';

const START = Date.UTC(2026, 2, 1, 0, 0, 0);
const opts: GenerateOptions = {
  count: 10_000,
  seed: 42,
  start: START,
  eventsPerHour: 1000,
  lateRatio: 0.1,
  duplicateRatio: 0.05,
  invalidRatio: 0.05,
};

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Reasons a deliberately invalid line may produce, one per invalid kind. */
const INTENDED = [
  /^not JSON: /,
  /^not a JSON object$/,
  /^missing field (transaction_id|user_id|amount|currency|status|event_time)$/,
  /^invalid (transaction_id|user_id): not a UUID$/,
  /^invalid amount: amount must be >= 0$/,
  /^invalid currency: must be three uppercase ASCII letters A-Z$/,
  /^invalid event_time: not an RFC 3339 timestamp$/,
  /^invalid status: /,
];

function near(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} not within ${tolerance} of ${expected}`);
}

test('exactly count lines, no newlines, deterministic per seed', () => {
  const a = [...generateEvents(opts)];
  const b = [...generateEvents(opts)];
  assert.equal(a.length, 10_000);
  assert.deepEqual(a, b);
  assert.ok(a.every((l) => !l.includes('\n')));
  const c = [...generateEvents({ ...opts, seed: 43 })];
  assert.equal(c.length, 10_000);
  assert.notDeepEqual(c, a);
  assert.ok(c.filter((l, i) => l === a[i]).length < 10);
  assert.deepEqual([...generateEvents({ ...opts, count: 0 })], []);
  assert.deepEqual([...generateEvents({ ...opts, count: 100 })], a.slice(0, 100));
});

test('the PRNG is seeded and reproducible', () => {
  const x = new Prng(1);
  const y = new Prng(1);
  const z = new Prng(2);
  const xs = Array.from({ length: 5 }, () => x.nextU32());
  assert.deepEqual(
    xs,
    Array.from({ length: 5 }, () => y.nextU32()),
  );
  assert.notDeepEqual(
    xs,
    Array.from({ length: 5 }, () => z.nextU32()),
  );
  const r = new Prng(9);
  for (let i = 0; i < 1000; i++) {
    const f = r.float();
    assert.ok(f >= 0 && f < 1);
    const n = r.range(121, 7200);
    assert.ok(Number.isInteger(n) && n >= 121 && n <= 7200);
  }
});

test('ratios are honoured and every line is valid or intentionally invalid', () => {
  const lines = [...generateEvents(opts)];
  const seen = new Map<string, string>();
  let invalid = 0;
  let duplicates = 0;
  let fresh = 0;
  let late = 0;
  let offsetWritten = 0;
  let numberAmounts = 0;
  const statuses = new Map<string, number>();
  const users = new Set<string>();
  for (const line of lines) {
    const v = validateEvent(line, START);
    if (!v.ok) {
      invalid++;
      assert.ok(
        INTENDED.some((re) => re.test(v.reason)),
        `unexpected reason ${v.reason} for ${line}`,
      );
      continue;
    }
    const r = v.row;
    const earlier = seen.get(r.transaction_id);
    if (earlier !== undefined) {
      // A duplicate is an earlier valid line re-emitted verbatim.
      assert.equal(line, earlier);
      duplicates++;
      continue;
    }
    seen.set(r.transaction_id, line);
    fresh++;
    assert.match(r.transaction_id, UUID_V4);
    assert.match(r.user_id, UUID_V4);
    users.add(r.user_id);
    assert.ok((CURRENCIES as readonly string[]).includes(r.currency));
    assert.ok((STATUSES as readonly string[]).includes(r.status));
    statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    const cents = Math.round(Number(r.amount) * 100);
    assert.ok(cents >= 100 && cents <= 50_000, r.amount);
    assert.match(line, /"amount":"?\d+\.\d\d"?,/);
    if (/"amount":\d/.test(line)) numberAmounts++;
    const latencyMs = epochMsOf(r.processing_time) - epochMsOf(r.event_time);
    if (latencyMs > 120_000) {
      late++;
      assert.ok(latencyMs <= 7_200_000, `latency ${latencyMs}`);
    } else {
      assert.ok(latencyMs >= 200 && latencyMs <= 60_000, `latency ${latencyMs}`);
    }
    const written = (JSON.parse(line) as { event_time: string }).event_time;
    if (!written.endsWith('Z')) {
      offsetWritten++;
      assert.match(written, /[+-]\d\d:\d\d$/);
      assert.doesNotMatch(written, /[+-]00:00$/);
    }
  }
  const n = lines.length;
  near(invalid / n, opts.invalidRatio, 0.01, 'invalid ratio');
  near(duplicates / n, opts.duplicateRatio, 0.01, 'duplicate ratio');
  near(late / fresh, opts.lateRatio, 0.015, 'late ratio among fresh events');
  near(offsetWritten / fresh, 0.1, 0.015, 'share written with an offset');
  near(numberAmounts / fresh, 0.5, 0.03, 'share of JSON-number amounts');
  assert.ok(statuses.get('completed')! / fresh > 0.7, 'weighted toward completed');
  for (const s of STATUSES) assert.ok((statuses.get(s) ?? 0) > 0, s);
  assert.ok(users.size > 900 && users.size <= 1000, `${users.size} users`);
  assert.equal(invalid + duplicates + fresh, n);
});

test('all lines valid without invalidRatio; all invalid with invalidRatio 1, every kind present', () => {
  const valid = [...generateEvents({ ...opts, count: 3000, invalidRatio: 0 })];
  assert.ok(valid.every((l) => validateEvent(l, START).ok));
  const bad = [...generateEvents({ ...opts, count: 3000, invalidRatio: 1, duplicateRatio: 0 })];
  const kinds = new Set<number>();
  for (const l of bad) {
    const v = validateEvent(l, START);
    assert.ok(!v.ok, l);
    const k = INTENDED.findIndex((re) => re.test(v.reason));
    assert.ok(k >= 0, v.reason);
    kinds.add(k);
  }
  assert.equal(kinds.size, INTENDED.length);
});

test('event i is based at start + i * 3_600_000 / eventsPerHour plus under a second', () => {
  const o = { ...opts, count: 5000, eventsPerHour: 600, lateRatio: 0, duplicateRatio: 0, invalidRatio: 0 };
  const lines = [...generateEvents(o)];
  lines.forEach((line, i) => {
    const v = validateEvent(line, 0);
    assert.ok(v.ok);
    const offset = epochMsOf(v.row.event_time) - (START + i * 6000);
    assert.ok(offset >= 0 && offset < 1000, `event ${i}: jitter ${offset}`);
  });
  // Late events fall into older hours: event_time 121 s – 2 h before the base time.
  const late = [...generateEvents({ ...o, count: 2000, lateRatio: 1 })];
  const hours = new Set<string>();
  late.forEach((line, i) => {
    const v = validateEvent(line, 0);
    assert.ok(v.ok);
    const base = START + i * 6000;
    const p = epochMsOf(v.row.processing_time) - base;
    assert.ok(p >= 0 && p < 1000);
    const lag = epochMsOf(v.row.processing_time) - epochMsOf(v.row.event_time);
    assert.ok(lag >= 121_000 && lag <= 7_200_000, `lag ${lag}`);
    hours.add(v.row.event_time.slice(0, 13));
  });
  assert.ok(hours.has('2026-02-28 22'), 'late arrivals for an hour before the first base time');
});

test('duplicates only follow a valid event and share its transaction_id', () => {
  const lines = [...generateEvents({ ...opts, count: 2000, duplicateRatio: 0.5, invalidRatio: 0.2 })];
  const firstValid = lines.findIndex((l) => validateEvent(l, 0).ok);
  const ids = lines.map((l) => {
    const v = validateEvent(l, 0);
    return v.ok ? v.row.transaction_id : null;
  });
  let dups = 0;
  ids.forEach((id, i) => {
    if (id === null) return;
    const j = ids.indexOf(id);
    if (j < i) {
      dups++;
      assert.ok(j >= firstValid);
      assert.equal(lines[i], lines[j]);
    }
  });
  near(dups / lines.length, 0.5, 0.04, 'duplicate ratio');
});

test('options are checked', () => {
  const run = (o: Partial<GenerateOptions>) => () => [...generateEvents({ ...opts, ...o })];
  assert.throws(run({ count: -1 }), RangeError);
  assert.throws(run({ count: 1.5 }), RangeError);
  assert.throws(run({ eventsPerHour: 0 }), RangeError);
  assert.throws(run({ lateRatio: 1.5 }), RangeError);
  assert.throws(run({ invalidRatio: -0.1 }), RangeError);
  assert.throws(run({ invalidRatio: 0.6, duplicateRatio: 0.6 }), RangeError);
  assert.throws(run({ start: Number.NaN }), RangeError);
});

test('defaultStart: whole hours back from the current hour so events end around now', () => {
  const now = Date.UTC(2026, 2, 1, 14, 37, 12, 345);
  const hour = Date.UTC(2026, 2, 1, 14);
  assert.equal(defaultStart(10_000, 1000, now), hour - 10 * 3_600_000);
  assert.equal(defaultStart(10_001, 1000, now), hour - 11 * 3_600_000);
  assert.equal(defaultStart(1, 1000, now), hour - 3_600_000);
  assert.equal(defaultStart(0, 1000, now), hour);
  const start = defaultStart(5000, 1200, now);
  assert.equal(start % 3_600_000, 0);
  const lines = [...generateEvents({ ...opts, count: 5000, eventsPerHour: 1200, start, duplicateRatio: 0, invalidRatio: 0 })];
  const last = validateEvent(lines.at(-1)!, 0);
  assert.ok(last.ok);
  const lastMs = epochMsOf(last.row.event_time);
  assert.ok(lastMs <= hour && lastMs > hour - 3_600_000, parseTimestamp(last.row.event_time) ?? '');
});

test('generation, validation and timestamps are identical under TZ=Asia/Kolkata and TZ=America/St_Johns', () => {
  const src = new URL('../../src/events/', import.meta.url).href;
  const script = `
    import { createHash } from 'node:crypto';
    const { generateEvents } = await import(${JSON.stringify(`${src}generator.ts`)});
    const { validateEvent } = await import(${JSON.stringify(`${src}event.ts`)});
    const { parseTimestamp, formatEpochMs } = await import(${JSON.stringify(`${src}timestamp.ts`)});
    const h = createHash('sha256');
    for (const line of generateEvents(${JSON.stringify(opts)})) {
      h.update(line + '\\n');
      h.update(JSON.stringify(validateEvent(line, ${START})) + '\\n');
    }
    h.update(String(parseTimestamp('2026-03-29 01:30:00')) + String(parseTimestamp('2026-10-25T02:30:00+01:00')));
    h.update(formatEpochMs(${Date.UTC(2026, 2, 29, 1, 30)}));
    console.log(new Date(0).getTimezoneOffset() + ' ' + h.digest('hex'));
  `;
  const local = createHash('sha256');
  for (const line of generateEvents(opts)) {
    local.update(`${line}\n`);
    local.update(`${JSON.stringify(validateEvent(line, START))}\n`);
  }
  local.update(String(parseTimestamp('2026-03-29 01:30:00')) + String(parseTimestamp('2026-10-25T02:30:00+01:00')));
  local.update('2026-03-29 01:30:00.000000');
  const expected = local.digest('hex');
  for (const tz of ['Asia/Kolkata', 'America/St_Johns', 'UTC']) {
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, TZ: tz },
      encoding: 'utf8',
    });
    assert.equal(child.status, 0, child.stderr);
    const [offset, digest] = child.stdout.trim().split(' ');
    if (tz === 'Asia/Kolkata') assert.equal(offset, '-330', 'the child really runs in IST');
    assert.equal(digest, expected, tz);
  }
});
