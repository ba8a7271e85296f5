/**
 * Basic auth to OpenSearch, both ways txpipe takes it (user:password in OPENSEARCH_URL, or
 * OPENSEARCH_USERNAME/OPENSEARCH_PASSWORD), through a proxy that wants the credential; and a wrong
 * password, echoed back by the proxy's 401, masked in every output and in the stored run error
 * (the Basic pair is masked as a value: nothing in the echo says it is a header).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli, type CliResult } from '../support/cli.ts';
import { freshTarget, testName } from '../support/target.ts';
import { generated, writeNdjson } from '../support/events.ts';
import { expectedMetrics } from '../support/expected.ts';
import { dropIndex, engineUrl, readDocuments } from '../support/search-server.ts';
import { authProxy } from '../support/auth-proxy.ts';

const USER = 'os-writer';
const PASSWORD = 'os/Basic:pa$$w0rd';
const WRONG = 'wrong-Basic-pa55';

test('OpenSearch basic auth from the URL or the settings reaches the server; a wrong password leaks nowhere', async () => {
  const proxy = await authProxy(engineUrl('opensearch'), `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`);
  const index = testName('txpipe_idx');
  const t = await freshTarget({ TXPIPE_INDEX: index, TXPIPE_TASK_RETRIES: '0', TXPIPE_LOG_LEVEL: 'debug', TXPIPE_LOG_FORMAT: 'json' }, 'postgres');
  const outputs: string[] = [];
  const run = async (args: string[], env: Record<string, string>): Promise<CliResult> => {
    const r = await runCli(args, env);
    outputs.push(r.stdout, r.stderr);
    return r;
  };
  try {
    const messages = generated(300, 71);
    const file = join(t.env.TXPIPE_DATA_DIR!, '..', 'events.ndjson');
    await writeNdjson(file, messages);
    const expected = expectedMetrics(messages, 0n);
    const inUrl = { ...t.env, OPENSEARCH_URL: proxy.url.replace('://', `://${USER}:${encodeURIComponent(PASSWORD)}@`) };
    assert.equal((await run(['produce', '--file', file], inUrl)).code, 0);
    assert.equal((await run(['ingest', '--until-idle'], inUrl)).code, 0);
    const first = await run(['dag', 'run', 'process_kafka_to_postgres'], inUrl);
    assert.equal(first.code, 0, first.stderr);
    assert.equal((await readDocuments('opensearch', index)).length, expected.hours.length);
    const authorized = proxy.authorized;
    assert.ok(authorized > 0 && proxy.refused === 0, 'the credential of the URL was sent');

    const inSettings = { ...t.env, OPENSEARCH_URL: proxy.url, OPENSEARCH_USERNAME: USER, OPENSEARCH_PASSWORD: PASSWORD };
    const second = await run(['dag', 'run', 'process_kafka_to_postgres', '--full-refresh'], inSettings);
    assert.equal(second.code, 0, second.stderr);
    assert.ok(proxy.authorized > authorized && proxy.refused === 0, 'the credential of the settings was sent');

    const wrong = { ...inSettings, OPENSEARCH_PASSWORD: WRONG };
    const failed = await run(['dag', 'run', 'process_kafka_to_postgres', '--full-refresh'], wrong);
    assert.notEqual(failed.code, 0);
    assert.ok(proxy.refused > 0);
    const runs = await run(['dag', 'runs', '--format', 'json'], wrong);
    const [last] = JSON.parse(runs.stdout) as Array<{ state: string; error: string }>;
    assert.equal(last!.state, 'failed');
    assert.match(last!.error, /unable to authenticate with \[Basic \*\*\*\]/);
    await run(['status'], wrong);

    const forms = [PASSWORD, encodeURIComponent(PASSWORD), WRONG, ...[PASSWORD, WRONG].map((p) => Buffer.from(`${USER}:${p}`).toString('base64'))];
    for (const text of outputs) for (const f of forms) assert.ok(!text.includes(f), `an output holds ${f.slice(0, 3)}…: ${text.slice(0, 300)}`);
  } finally {
    await proxy.close();
    await dropIndex('opensearch', index).catch(() => {});
    await t.cleanup();
  }
});
