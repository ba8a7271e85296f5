/**
 * The hostile corpus (test/support/hostile-corpus.ts) through the embedded log, on PGlite or
 * PostgreSQL: `txpipe produce --file` keeps every line's exact bytes in the log, `txpipe ingest` makes
 * each one the row, dead letter (with its reason and bytes) or duplicate the corpus says, `reconcile`
 * balances, and `dead-letters show` prints a binary payload escaped, with its exact bytes in JSON.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, runCli } from '../support/cli.ts';
import { corpusFile, hostileCorpus, outcomeCounts } from '../support/hostile-corpus.ts';
import { assertCorpusStored, corpusIngestLine } from '../support/hostile-check.ts';
import { freshTarget } from '../support/target.ts';
import { readDeadLetter, readDeadLetters } from '../../src/web/dead-letters.ts';

// biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters is the test
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

test('hostile corpus through the embedded log: every line counted once, exact bytes kept, reconcile balanced', async () => {
  const cases = hostileCorpus();
  const counts = outcomeCounts(cases);
  const t = await freshTarget();
  try {
    const file = join(t.env.TXPIPE_DATA_DIR!, '..', 'hostile.ndjson');
    await writeFile(file, corpusFile(cases));
    assert.match(await cli(['produce', '--file', file], t.env), new RegExp(`^published ${cases.length} messages to embedded topic transactions`));
    assert.match(await cli(['ingest', '--until-idle'], t.env), corpusIngestLine(cases));

    const w = await t.open();
    try {
      // The log holds each line's bytes exactly (invalid UTF-8, NUL and 5 MB included), in order.
      const log = await w.query<{ payload: Uint8Array }>('SELECT payload FROM txpipe_log ORDER BY "offset"');
      assert.equal(log.length, cases.length);
      for (const [i, c] of cases.entries()) assert.ok(Buffer.from(log[i]!.payload).equals(c.bytes), `${c.name}: the log keeps the bytes produced`);
      await assertCorpusStored(w, cases);

      // What the API and `dead-letters show --format json` give: exact bytes, size, and how it is shown.
      const at = (name: string) => ({ topic: 'transactions', partition: 0, offset: String(cases.findIndex((c) => c.name === name) + 1) });
      const garbage = (await readDeadLetter(w, at('binary garbage')))!;
      assert.deepEqual([garbage.payload_encoding, garbage.payload_bytes, garbage.payload_kept_bytes], ['escaped', 3000, 3000]);
      assert.ok(Buffer.from(garbage.payload_base64, 'base64').equals(cases.find((c) => c.name === 'binary garbage')!.bytes));
      assert.match(garbage.payload, /^\\xc0/);
      const big = (await readDeadLetter(w, at('a 5 MB message')))!;
      assert.deepEqual([big.payload_encoding, big.payload_bytes, big.payload_kept_bytes], ['utf8', 5_000_000, 1024]);
      const nul = (await readDeadLetter(w, at('a raw NUL byte in a string')))!;
      assert.deepEqual([nul.payload_encoding, nul.payload.includes('\u0000')], ['utf8', true]);
      const listed = await readDeadLetters(w, { limit: 100 });
      assert.equal(listed.length, counts.dead);
      assert.ok(listed.every((d) => [...d.payload_preview].length <= 200 && /^[0-9a-f]{64}$/.test(d.payload_sha256)));
    } finally {
      await w.close();
    }

    const r = JSON.parse(await cli(['reconcile', '--format', 'json'], t.env)) as Record<string, unknown>;
    assert.deepEqual(
      [r.balanced, r.consumed, r.raw_transactions, r.dead_letters, r.duplicates],
      [true, cases.length, counts.rows, counts.dead, counts.duplicates],
    );

    // The binary garbage as people see it: escaped, never raw bytes; in JSON its exact bytes.
    const offset = cases.findIndex((c) => c.name === 'binary garbage') + 1; // the embedded log numbers from 1
    const shown = await runCli(['dead-letters', 'show', `0:${offset}`], t.env);
    assert.equal(shown.code, 0, shown.stderr);
    assert.doesNotMatch(shown.stdout.trimEnd(), RAW_CONTROL);
    assert.match(shown.stdout, /\npayload {6}3000 bytes, not UTF-8, shown with \\xNN escapes\n\\xc0/);
  } finally {
    await t.cleanup();
  }
});
