/** `txpipe dead-letters list|show` on PGlite or PostgreSQL: newest first, filtered, named by a typeable ID, hostile payloads printed safely. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cli, runCli } from '../support/cli.ts';
import { freshTarget } from '../support/target.ts';
import { writeNdjson } from '../support/events.ts';

const valid =
  '{"transaction_id":"00000000-0000-4000-8000-000000000001","user_id":"00000000-0000-4000-8000-000000000002","amount":"1","currency":"EUR","status":"ok","event_time":"2026-03-01T10:00:00Z"}';
const long = `{"pad":"${'x'.repeat(20_000)}"}`;
const MESSAGES = [valid, 'not json at all', '\u001b[2J\u001b[31mred\u001b[0m \u202egnp.exe\u202c bell\u0007 \ufffd', long, '[1,2,3]'];
/** Control characters a terminal acts on (newline and the table's own layout aside). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters is the test
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/;

interface Row {
  id: string;
  topic: string;
  partition: number;
  offset: string;
  received_at: string;
  reason: string;
  payload_bytes: number;
  payload_preview: string;
  payload_truncated: boolean;
}

test('dead-letters list and show: newest first, by reason, by ID, every payload printed safely', async () => {
  const t = await freshTarget();
  try {
    const file = join(t.env.TXPIPE_DATA_DIR!, '..', 'dl.ndjson');
    await writeNdjson(file, MESSAGES);
    await cli(['produce', '--file', file], t.env);
    assert.equal((await cli(['dead-letters', 'list'], t.env)).trim(), 'no dead letters');
    await cli(['ingest', '--until-idle'], t.env);

    const rows = JSON.parse(await cli(['dead-letters', 'list', '--format', 'json'], t.env)) as Row[];
    // The embedded log numbers from 1; one batch, so newest first is reverse log order.
    assert.deepEqual(
      rows.map((r) => [r.id, r.payload_bytes, r.payload_truncated]),
      [
        ['transactions/0/5', 7, false],
        ['transactions/0/4', Buffer.byteLength(long), true],
        ['transactions/0/3', Buffer.byteLength(MESSAGES[2]!), false],
        ['transactions/0/2', 15, false],
      ],
    );
    assert.equal(rows[1]!.payload_preview, long.slice(0, 200));
    assert.equal(rows[2]!.payload_preview, MESSAGES[2]);
    assert.match(rows[3]!.reason, /^not JSON/);
    assert.ok(rows.every((r) => r.topic === 'transactions' && r.partition === 0 && !Number.isNaN(Date.parse(r.received_at))));

    const table = await cli(['dead-letters', 'list'], t.env);
    const lines = table.trimEnd().split('\n');
    assert.match(lines[0]!, /^id\s+received_at\s+reason\s+bytes\s+payload$/);
    assert.equal(lines.length, 2 + 4);
    assert.doesNotMatch(table, RAW_CONTROL);
    assert.match(lines[4]!, /\\u001b\[2J\\u001b\[31mred\\u001b\[0m \\u202egnp\.exe\\u202c bell\\u0007 \\ufffd/);
    assert.match(lines[3]!, /\{"pad":"x{50,}…$/);

    assert.deepEqual(
      (JSON.parse(await cli(['dead-letters', 'list', '--format', 'json', '--limit', '2'], t.env)) as Row[]).map((r) => r.id),
      ['transactions/0/5', 'transactions/0/4'],
    );
    assert.deepEqual(
      (JSON.parse(await cli(['dead-letters', 'list', '--format', 'json', '--reason', 'NOT JSON'], t.env)) as Row[]).map((r) => r.id),
      ['transactions/0/3', 'transactions/0/2'].filter((id) => rows.find((r) => r.id === id)!.reason.startsWith('not JSON')),
    );
    assert.equal(
      (await cli(['dead-letters', 'list', '--reason', 'no such reason'], t.env)).trim(),
      'no dead letters whose reason contains "no such reason"',
    );

    // show: both ID forms, the same letter; text is safe, JSON is whole.
    const shown = await cli(['dead-letters', 'show', '0:3'], t.env);
    assert.equal(await cli(['dead-letters', 'show', 'transactions/0/3'], t.env), shown);
    assert.doesNotMatch(shown, RAW_CONTROL);
    assert.match(
      shown,
      /^id {11}transactions\/0\/3\ntopic {8}transactions\npartition {4}0\noffset {7}3\nreceived_at {2}\S+Z\nreason {7}.+\nsha256 {7}[0-9a-f]{64}\npayload {6}\d+ bytes\n/,
    );
    assert.ok(shown.trimEnd().endsWith('\\u001b[2J\\u001b[31mred\\u001b[0m \\u202egnp.exe\\u202c bell\\u0007 \\ufffd'), shown);
    const longShown = await cli(['dead-letters', 'show', '0:4'], t.env);
    assert.match(
      longShown,
      new RegExp(`payload {6}${Buffer.byteLength(long)} bytes, cut after the first 10000 characters \\(--format json prints it whole\\)\\n`),
    );
    assert.ok(longShown.length < 10_500);
    const whole = JSON.parse(await cli(['dead-letters', 'show', '0:4', '--format', 'json'], t.env)) as { payload: string; id: string };
    assert.deepEqual([whole.id, whole.payload], ['transactions/0/4', long]);

    const missing = await runCli(['dead-letters', 'show', 'transactions/0/1'], t.env);
    assert.deepEqual([missing.code, missing.stderr.trim()], [1, 'txpipe: no dead letter at transactions/0/1']);
    const bad = await runCli(['dead-letters', 'show', 'seventeen'], t.env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^txpipe: dead-letters show: the ID must be topic\/partition\/offset or partition:offset, got "seventeen"\n$/);
    const badLimit = await runCli(['dead-letters', 'list', '--limit', '0'], t.env);
    assert.equal(badLimit.code, 2);
    assert.match(badLimit.stderr, /--limit/);
  } finally {
    await t.cleanup();
  }
});
