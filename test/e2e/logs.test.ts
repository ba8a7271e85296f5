/** The CLI's logs on stderr: JSON lines (TXPIPE_LOG_FORMAT=json, and the default off a terminal) or pretty ones. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshTarget } from '../support/target.ts';
import { runCli } from '../support/cli.ts';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

test('TXPIPE_LOG_FORMAT=json: every stderr line is one JSON object with level, time, scope and message; stdout keeps the output', async () => {
  const t = await freshTarget({ TXPIPE_LOG_LEVEL: 'info' });
  try {
    for (const format of ['json', undefined]) {
      const env = format ? { ...t.env, TXPIPE_LOG_FORMAT: format } : t.env;
      const r = await runCli(['dag', 'run', 'process_kafka_to_postgres', '--logical-date', '2026-03-01T10:00:00Z'], env);
      assert.equal(r.code, 0, r.stderr);
      // A manual run is named after when it started (its logical date is 2026-03-01T10:00:00Z).
      const runId = /^(manual__\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z): success in /.exec(r.stdout)?.[1];
      assert.ok(runId, r.stdout);
      const records = r.stderr
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.ok(records.length >= 5, r.stderr);
      for (const rec of records) {
        assert.ok(['debug', 'info', 'warn', 'error'].includes(rec.level as string), JSON.stringify(rec));
        assert.match(String(rec.time), ISO);
        assert.match(String(rec.scope), /^txpipe(\.\w+)*$/);
        assert.equal(typeof rec.msg, 'string');
      }
      const byScope = (scope: string) => records.filter((r) => r.scope === scope).map((r) => [r.level, r.msg]);
      const dag = byScope('txpipe.process_kafka_to_postgres');
      assert.deepEqual(dag[0], ['info', `run ${runId} started`]);
      assert.match(String(dag.at(-1)?.[1]), new RegExp(`^run ${runId.replaceAll('.', '\\.')} succeeded in [\\d.]+ s$`));
      assert.deepEqual(byScope('txpipe.refresh_views'), [['info', 'refreshed hourly_metrics: 0 hour(s) from new rows, 0 recomputed; 0 changed']]);
    }
  } finally {
    await t.cleanup();
  }
});

test('TXPIPE_LOG_FORMAT=pretty: readable lines, `[time] LEVEL: scope: message`', async () => {
  const t = await freshTarget({ TXPIPE_LOG_LEVEL: 'info', TXPIPE_LOG_FORMAT: 'pretty' });
  try {
    const r = await runCli(['dag', 'run', 'process_kafka_to_postgres', '--logical-date', '2026-03-01T10:00:00Z'], t.env);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stderr.trimEnd().split('\n');
    for (const l of lines) assert.match(l, /^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\] (DEBUG|INFO|WARN|ERROR): txpipe(\.\w+)*: \S/);
    assert.ok(
      lines.some((l) => / INFO: txpipe\.refresh_views: refreshed hourly_metrics: 0 hour\(s\) from new rows, 0 recomputed; 0 changed$/.test(l)),
      r.stderr,
    );
  } finally {
    await t.cleanup();
  }
});

test('a bad TXPIPE_LOG_FORMAT is one line naming it, exit 2', async () => {
  const t = await freshTarget();
  try {
    const r = await runCli(['status'], { ...t.env, TXPIPE_LOG_FORMAT: 'xml' });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^txpipe: TXPIPE_LOG_FORMAT: .*\(got "xml"\)\n$/);
  } finally {
    await t.cleanup();
  }
});
