/**
 * The hostile corpus (test/support/hostile-corpus.ts) through the ingest's batch preparation, without a
 * database: each message becomes the row, dead letter (with its exact reason and kept bytes) or
 * duplicate the corpus says; the fast path and the reference path agree on the default window; the
 * oversized message is refused in bounded time; and no SQL in src/ is built from values.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { validateEvent } from '../../src/events/event.ts';
import { BAIL, encodeEventFast } from '../../src/events/fast-event.ts';
import { DEFAULT_LIMITS } from '../../src/events/limits.ts';
import { deadPayload, validateMessage } from '../../src/events/message.ts';
import { BatchPreparer, DEAD, DUPLICATE, ROW } from '../../src/ingest/prepare-batch.ts';
import { idText } from '../../src/ingest/id-set.ts';
import { CopyWriter } from '../../src/warehouse/copy-text.ts';
import { hostileCorpus, outcomeCounts, sha256Hex } from '../support/hostile-corpus.ts';
import { repoRoot } from '../support/cli.ts';

const RECORD_MS = Date.UTC(2026, 2, 1, 10, 20);

test('every corpus message is prepared as the row, dead letter or duplicate it must be', () => {
  const cases = hostileCorpus();
  const preparer = new BatchPreparer(16);
  for (const [i, c] of cases.entries()) preparer.add(0, BigInt(i), RECORD_MS, c.bytes);
  const p = preparer.cut();
  const counts = outcomeCounts(cases);
  assert.equal(p.count, cases.length);
  assert.equal(p.rows, counts.rows);
  assert.equal(p.dead.size, counts.dead);
  assert.ok(counts.rows >= 10 && counts.dead >= 35 && counts.duplicates === 2, JSON.stringify(counts));
  const copy = p.copy.toString('utf8');
  cases.forEach((c, i) => {
    const o = c.outcome;
    if (o.kind === 'row') {
      assert.equal(p.kinds[i], ROW, c.name);
      assert.equal(idText(p.ids, i * 4), o.transactionId, c.name);
      const line = p.copy.subarray(p.lineStarts[i], p.lineEnds[i]).toString('utf8');
      assert.ok(line.startsWith(`0\t${i}\t${RECORD_MS}\t${o.transactionId}\t`), `${c.name}: ${line}`);
    } else if (o.kind === 'duplicate') {
      assert.equal(p.kinds[i], DUPLICATE, c.name);
      assert.equal(idText(p.ids, i * 4), o.transactionId, c.name);
    } else {
      assert.equal(p.kinds[i], DEAD, c.name);
      const d = p.dead.get(i)!;
      if (typeof o.reason === 'string') assert.equal(d.reason, o.reason, c.name);
      else assert.match(d.reason, o.reason, c.name);
      assert.equal(d.size, c.bytes.length, c.name);
      assert.equal(d.sha256.toString('hex'), sha256Hex(c.bytes), c.name);
      const kept = c.bytes.length > DEFAULT_LIMITS.maxMessageBytes ? c.bytes.subarray(0, 1024) : c.bytes;
      assert.ok(d.payload.equals(kept), `${c.name}: the dead letter keeps the exact bytes`);
    }
  });
  // The tab in a status is escaped in the COPY text, SQL text is there as it is.
  assert.ok(copy.includes('\ta\\\\b\\t"c" \\\\N\t'), 'backslashes and tab escaped for COPY');
  assert.ok(copy.includes("\t'); DROP TABLE transactions;--\t"));
});

test('the 5 MB message is refused before parsing, in bounded time, keeping 1 KiB, its size and SHA-256', () => {
  const big = hostileCorpus().find((c) => c.name === 'a 5 MB message')!.bytes;
  const started = performance.now();
  for (let k = 0; k < 5; k++) {
    const v = validateMessage(big, RECORD_MS);
    assert.equal(v.ok, false);
    const d = deadPayload(big);
    assert.equal(d.payload.length, 1024);
    assert.equal(d.size, 5_000_000);
  }
  // Size check plus one SHA-256 of 5 MB: milliseconds each, never a parse (which takes far longer).
  assert.ok(performance.now() - started < 2000, `${performance.now() - started} ms`);
});

test('the time window: the fast path declines at its edges and the reference path decides', () => {
  const ev = (t: string) =>
    Buffer.from(
      `{"transaction_id":"00000000-0000-4000-8000-000000000001","user_id":"00000000-0000-4000-8000-000000000002","amount":"1","currency":"EUR","status":"ok","event_time":"${t}","processing_time":"2026-03-01T00:00:00Z"}`,
    );
  const fast = (t: string, recordMs = RECORD_MS, limits = DEFAULT_LIMITS) =>
    encodeEventFast(ev(t), 0, ev(t).length, recordMs, new CopyWriter(256), new Uint32Array(4), 0, limits) !== BAIL;
  const reason = (t: string, limits = DEFAULT_LIMITS) => {
    const v = validateEvent(ev(t).toString(), RECORD_MS, limits);
    return v.ok ? 'ok' : v.reason;
  };
  const outside = 'invalid event_time: outside the accepted window [1970-01-01T00:00:00Z, 2100-01-01T00:00:00Z)';
  for (const t of [
    '0001-01-01T00:00:00Z',
    '1969-12-31T23:59:59.999999Z',
    '2100-01-01T00:00:00Z',
    '9999-12-31T23:59:59Z',
    '2099-12-31T23:30:00-01:00',
  ]) {
    assert.equal(fast(t), false, t);
    assert.equal(reason(t), outside, t);
  }
  for (const t of ['1970-01-01T00:00:00Z', '2099-12-31T23:59:59.999Z', '2026-03-01T10:00:00Z', '2100-01-01T00:30:00+01:00'])
    assert.equal(reason(t), 'ok', t);
  assert.equal(fast('2026-03-01T10:00:00Z'), true);
  // A configured window, in the same terms.
  const narrow = { ...DEFAULT_LIMITS, minEventTimeMs: Date.UTC(2026, 0, 1), maxEventTimeMs: Date.UTC(2027, 0, 1) };
  assert.equal(
    reason('2025-12-31T23:59:59Z', narrow),
    'invalid event_time: outside the accepted window [2026-01-01T00:00:00Z, 2027-01-01T00:00:00Z)',
  );
  assert.equal(fast('2025-12-31T23:59:59Z', RECORD_MS, narrow), false);
  assert.equal(fast('2026-06-01T00:00:00Z', RECORD_MS, narrow), true);
  // processing_time from the record timestamp must be inside too.
  const noPt = Buffer.from(
    ev('2026-03-01T10:00:00Z')
      .toString()
      .replace(/,"processing_time":"[^"]+"/, ''),
  );
  assert.equal(encodeEventFast(noPt, 0, noPt.length, -1, new CopyWriter(256), new Uint32Array(4), 0) === BAIL, true);
  const v = validateEvent(noPt.toString(), -1);
  assert.equal(
    v.ok ? 'ok' : v.reason,
    'invalid processing_time: the record timestamp is outside the accepted window [1970-01-01T00:00:00Z, 2100-01-01T00:00:00Z)',
  );
});

test('status counts code points, and the fast and reference paths agree on repeated keys', () => {
  const ev = (status: string) =>
    `{"transaction_id":"00000000-0000-4000-8000-000000000001","user_id":"00000000-0000-4000-8000-000000000002","amount":"1","currency":"EUR","status":${JSON.stringify(status)},"event_time":"2026-03-01T10:00:00Z"}`;
  const ok = (s: string) => validateEvent(ev(s), RECORD_MS).ok;
  assert.equal(ok('💳'.repeat(32)), true);
  assert.equal(ok(`${'💳'.repeat(31)}ab`), false);
  assert.equal(ok('é'.repeat(32)), true);
  assert.equal(ok('x'.repeat(32)), true);
  assert.equal(ok('x'.repeat(33)), false);
  assert.equal(ok(' x '), true);
  assert.equal(ok('\u00a0\u2003'), false);
  const repeated = Buffer.from(ev('ok').replace('"amount":"1"', '"amount":"1","amount":"2"'));
  assert.equal(encodeEventFast(repeated, 0, repeated.length, RECORD_MS, new CopyWriter(256), new Uint32Array(4), 0), BAIL);
  const v = validateMessage(repeated, RECORD_MS);
  assert.equal(v.ok ? 'ok' : v.reason, 'duplicate key amount: each event field may appear once');
});

/** Every .ts file under a folder. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/**
 * The one statement built from text: COPY, whose table and column names (identifiers, never values)
 * come from code constants (RAW_COLUMNS); the rows travel as COPY data, not SQL.
 */
const IDENTIFIERS_ONLY = /^\.query\(`COPY \$\{table\} \(\$\{/;

test('no SQL in src/ is built from values: queries take sql/ files or constant text, values go as parameters', () => {
  const offenders: string[] = [];
  for (const file of sources(join(repoRoot, 'src'))) {
    const text = readFileSync(file, 'utf8');
    // A query or exec whose statement is a template with a substitution, or text joined with +.
    for (const m of text.matchAll(/\.(query|exec)(?:<[^>]*>)?\(\s*(`[^`]*\$\{|'[^']*'\s*\+|"[^"]*"\s*\+)/g)) {
      if (!IDENTIFIERS_ONLY.test(m[0])) offenders.push(`${file.slice(repoRoot.length + 1)}: ${m[0].slice(0, 80)}`);
    }
  }
  assert.deepEqual(offenders, []);
});
