/**
 * importDashboards and `txpipe dashboards import` against a local fake of the saved-objects import
 * API that checks each request the way Kibana / OpenSearch Dashboards would.
 * Tests internals: imports its modules from src/ directly, not through src/index.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Command, CommanderError } from 'commander';
import { defaultDashboardsFile, importDashboards } from '../../src/dashboards/import.ts';
import { registerDashboardsCommand } from '../../src/cli/dashboards.ts';

const repo = join(import.meta.dirname, '..', '..');

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  fileName: string | null;
  fileText: string;
}

/** Keeps objects by type/id like Kibana; `answer` can replace the normal answer to test failures. */
async function fakeDashboards(xsrfHeader: 'kbn-xsrf' | 'osd-xsrf', answer?: (seen: Seen) => { status: number; body: unknown } | undefined) {
  const store = new Map<string, unknown>();
  const seen: Seen[] = [];
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const entry: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, fileName: null, fileText: '' };
    try {
      // Parse the multipart body with the platform's own parser, as a server would.
      const form = await new Request('http://fake/', {
        method: 'POST',
        headers: { 'content-type': String(req.headers['content-type'] ?? '') },
        body: Buffer.concat(chunks),
      }).formData();
      const file = form.get('file');
      if (file instanceof File) {
        entry.fileName = file.name;
        entry.fileText = await file.text();
      }
    } catch {
      // left empty: the checks below answer 400
    }
    seen.push(entry);
    const custom = answer?.(entry);
    if (custom) return reply(custom.status, custom.body);
    if (req.headers[xsrfHeader] !== 'true') {
      return reply(400, { statusCode: 400, error: 'Bad Request', message: `Request must contain a ${xsrfHeader} header.` });
    }
    if (!entry.fileName?.endsWith('.ndjson')) {
      return reply(400, { statusCode: 400, error: 'Bad Request', message: `Invalid file extension ${entry.fileName}` });
    }
    const objects = entry.fileText
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as { type: string; id: string });
    for (const o of objects) store.set(`${o.type}/${o.id}`, o);
    reply(200, { success: true, successCount: objects.length, successResults: objects.map((o) => ({ type: o.type, id: o.id })) });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    store,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

test('imports the Kibana file as multipart with kbn-xsrf and overwrite=true; a second import changes nothing', async (t) => {
  const fake = await fakeDashboards('kbn-xsrf');
  t.after(fake.close);
  const expected = readFileSync(join(repo, 'dashboards', 'kibana', 'hourly_metrics.ndjson'), 'utf8');
  const objectCount = expected.split('\n').filter((l) => l.trim()).length;

  const first = await importDashboards({ target: 'kibana', url: `${fake.url}/` });
  assert.deepEqual(first, { success: true, successCount: objectCount, errors: [] });
  const req = fake.seen[0]!;
  assert.equal(req.method, 'POST');
  assert.equal(req.url, '/api/saved_objects/_import?overwrite=true');
  assert.equal(req.headers['kbn-xsrf'], 'true');
  assert.equal(req.headers['osd-xsrf'], undefined);
  assert.equal(req.headers.authorization, undefined);
  assert.match(String(req.headers['content-type']), /^multipart\/form-data; boundary=/);
  assert.equal(req.fileName, 'hourly_metrics.ndjson');
  assert.equal(req.fileText, expected, 'the multipart file is the NDJSON, byte for byte');
  assert.equal(fake.store.size, objectCount);
  assert.ok(fake.store.has('dashboard/txpipe-hourly-metrics-dashboard'));

  const second = await importDashboards({ target: 'kibana', url: fake.url });
  assert.equal(second.successCount, objectCount);
  assert.equal(fake.store.size, objectCount, 'fixed ids + overwrite: no copies');
  assert.equal(fake.seen.length, 2);
});

test('OpenSearch Dashboards gets osd-xsrf, its own file, and basic auth', async (t) => {
  const fake = await fakeDashboards('osd-xsrf');
  t.after(fake.close);
  const result = await importDashboards({ target: 'opensearch-dashboards', url: fake.url, username: 'admin', password: 'p@ss:word' });
  assert.equal(result.success, true);
  const req = fake.seen[0]!;
  assert.equal(req.headers['osd-xsrf'], 'true');
  assert.equal(req.headers['kbn-xsrf'], undefined);
  assert.equal(req.headers.authorization, `Basic ${Buffer.from('admin:p@ss:word').toString('base64')}`);
  assert.equal(req.fileText, readFileSync(defaultDashboardsFile('opensearch-dashboards'), 'utf8'));
  assert.match(defaultDashboardsFile('opensearch-dashboards'), /dashboards[\\/]opensearch-dashboards[\\/]hourly_metrics\.ndjson$/);
});

test('a Kibana space and an API key go to /s/<space> and Authorization: ApiKey', async (t) => {
  const fake = await fakeDashboards('kbn-xsrf');
  t.after(fake.close);
  await importDashboards({ target: 'kibana', url: `${fake.url}/kibana`, space: 'team-a', apiKey: 'aWQ6a2V5' });
  const req = fake.seen[0]!;
  assert.equal(req.url, '/kibana/s/team-a/api/saved_objects/_import?overwrite=true');
  assert.equal(req.headers.authorization, 'ApiKey aWQ6a2V5');
});

test('an explicit --file is sent as is, under a .ndjson name', async (t) => {
  const fake = await fakeDashboards('kbn-xsrf');
  t.after(fake.close);
  const dir = mkdtempSync(join(tmpdir(), 'txpipe-dash-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'objects.txt');
  const text = '{"type":"index-pattern","id":"x","attributes":{"title":"hourly_metrics"},"references":[]}\n';
  writeFileSync(file, text);
  const result = await importDashboards({ target: 'kibana', url: fake.url, file });
  assert.equal(result.successCount, 1);
  assert.equal(fake.seen[0]!.fileText, text);
  assert.equal(fake.seen[0]!.fileName, 'objects.txt.ndjson');
});

test('an HTTP error throws with the status and the server message', async (t) => {
  const fake = await fakeDashboards('kbn-xsrf', () => ({
    status: 400,
    body: { statusCode: 400, error: 'Bad Request', message: 'Unexpected token in JSON at line 3' },
  }));
  t.after(fake.close);
  await assert.rejects(importDashboards({ target: 'kibana', url: fake.url }), (err: Error) => {
    assert.match(err.message, /HTTP 400/);
    assert.match(err.message, /Unexpected token in JSON at line 3/);
    assert.doesNotMatch(err.message, /\n/);
    return true;
  });
});

test('401 without a JSON body still names the status', async (t) => {
  const fake = await fakeDashboards('kbn-xsrf', () => ({
    status: 401,
    body: { statusCode: 401, error: 'Unauthorized', message: '[security_exception] missing authentication credentials' },
  }));
  t.after(fake.close);
  await assert.rejects(
    importDashboards({ target: 'kibana', url: fake.url }),
    /HTTP 401: Unauthorized: \[security_exception\] missing authentication credentials/,
  );
});

test('success:false throws with each failed object and its reason', async (t) => {
  const fake = await fakeDashboards('kbn-xsrf', () => ({
    status: 200,
    body: {
      success: false,
      successCount: 5,
      errors: [
        {
          id: 'txpipe-hourly-metrics-dashboard',
          type: 'dashboard',
          meta: { title: 'txpipe: hourly transaction metrics' },
          error: { type: 'missing_references', references: [{ type: 'visualization', id: 'gone' }] },
        },
      ],
    },
  }));
  t.after(fake.close);
  await assert.rejects(importDashboards({ target: 'kibana', url: fake.url }), (err: Error) => {
    assert.match(err.message, /1 object\(s\) not imported, 5 imported/);
    assert.match(err.message, /dashboard\/txpipe-hourly-metrics-dashboard: missing_references \(visualization\/gone\)/);
    return true;
  });
});

test('an unreachable server is a clear error', async () => {
  const fake = await fakeDashboards('kbn-xsrf');
  await fake.close(); // the port is now closed
  await assert.rejects(importDashboards({ target: 'kibana', url: fake.url }), /Kibana import: cannot reach http:\/\/127\.0\.0\.1:\d+/);
});

test('bad options are refused before any request', async () => {
  await assert.rejects(importDashboards({ target: 'kibana', url: 'kibana:5601' }), /must be http:\/\/ or https:\/\//);
  await assert.rejects(importDashboards({ target: 'opensearch-dashboards', url: 'http://x', space: 's' }), /no spaces/);
  await assert.rejects(importDashboards({ target: 'kibana', url: 'http://x', apiKey: 'k', username: 'u', password: 'p' }), /not both/);
});

// --- CLI -------------------------------------------------------------------------------------------

const URL_ENV = [
  'KIBANA_URL',
  'OPENSEARCH_DASHBOARDS_URL',
  'KIBANA_API_KEY',
  'KIBANA_USERNAME',
  'KIBANA_PASSWORD',
  'KIBANA_SPACE',
  'OPENSEARCH_DASHBOARDS_USERNAME',
  'OPENSEARCH_DASHBOARDS_PASSWORD',
];

function withoutUrlEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of URL_ENV) delete env[k];
  return env;
}

async function runCli(args: string[], env: NodeJS.ProcessEnv = withoutUrlEnv()) {
  const saved = process.env;
  process.env = env;
  let stderr = '';
  let stdout = '';
  const program = new Command('txpipe').exitOverride().configureOutput({
    writeErr: (s) => {
      stderr += s;
    },
    writeOut: (s) => {
      stdout += s;
    },
  });
  registerDashboardsCommand(program);
  try {
    await program.parseAsync(['dashboards', 'import', ...args], { from: 'user' });
    return { exitCode: 0, stderr, stdout };
  } catch (err) {
    if (err instanceof CommanderError) return { exitCode: err.exitCode, stderr, stdout };
    throw err;
  } finally {
    process.env = saved;
  }
}

test('CLI: neither URL is a usage error, one line on stderr, exit 2', async () => {
  const r = await runCli([]);
  assert.equal(r.exitCode, 2);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1);
  assert.match(r.stderr, /--kibana-url or --opensearch-dashboards-url is required/);
});

test('CLI: both URLs is a usage error, exit 2', async () => {
  const r = await runCli(['--kibana-url', 'http://a:5601', '--opensearch-dashboards-url', 'http://b:5601']);
  assert.equal(r.exitCode, 2);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1);
  assert.match(r.stderr, /only one of/);
});

test('CLI: both URL env vars without a flag is a usage error, exit 2', async () => {
  const r = await runCli([], { ...withoutUrlEnv(), KIBANA_URL: 'http://a:5601', OPENSEARCH_DASHBOARDS_URL: 'http://b:5601' });
  assert.equal(r.exitCode, 2);
  assert.match(r.stderr, /both set/);
});

test('CLI: imports into Kibana from KIBANA_URL and prints a one-line summary', async (t) => {
  const fake = await fakeDashboards('kbn-xsrf');
  t.after(fake.close);
  const r = await runCli([], { ...withoutUrlEnv(), KIBANA_URL: fake.url, KIBANA_API_KEY: 'aWQ6a2V5' });
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stdout, /^imported 6 saved objects into Kibana at http:\/\/127\.0\.0\.1:\d+ from .*hourly_metrics\.ndjson\n$/);
  assert.equal(fake.seen[0]!.headers.authorization, 'ApiKey aWQ6a2V5');
});

test('CLI: a failed import rejects with a one-line reason (main.ts prints it and exits 1)', async (t) => {
  const fake = await fakeDashboards('osd-xsrf', () => ({ status: 500, body: { statusCode: 500, error: 'Internal Server Error', message: 'boom' } }));
  t.after(fake.close);
  await assert.rejects(runCli(['--opensearch-dashboards-url', fake.url]), (err: Error) => {
    assert.ok(!(err instanceof CommanderError), 'not a usage error');
    assert.match(err.message, /^OpenSearch Dashboards import failed: HTTP 500: Internal Server Error: boom$/);
    return true;
  });
});

test('CLI through main.ts: neither URL exits 2 with one line', () => {
  const r = spawnSync(join(repo, 'node_modules', '.bin', 'node'), ['src/cli/main.ts', 'dashboards', 'import'], {
    cwd: repo,
    env: withoutUrlEnv(),
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /--kibana-url or --opensearch-dashboards-url/);
});

test('CLI through main.ts: a bad KIBANA_URL is one line naming it, exit 2, even with a flag given', () => {
  const r = spawnSync(
    join(repo, 'node_modules', '.bin', 'node'),
    ['src/cli/main.ts', 'dashboards', 'import', '--opensearch-dashboards-url', 'http://127.0.0.1:9'],
    { cwd: repo, env: { ...withoutUrlEnv(), KIBANA_URL: 'kibana:5601' }, encoding: 'utf8', timeout: 30_000 },
  );
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^txpipe: KIBANA_URL: must be an http:\/\/ or https:\/\/ URL/);
});

test('a server not ready yet (503, 429, unreachable) is retried with doubling pauses until it imports', async (t) => {
  let calls = 0;
  const fake = await fakeDashboards('kbn-xsrf', () => {
    calls++;
    if (calls === 1) return { status: 503, body: { statusCode: 503, error: 'Service Unavailable', message: 'Kibana server is not ready yet' } };
    if (calls === 2) return { status: 429, body: { statusCode: 429, error: 'Too Many Requests', message: 'slow down' } };
    return undefined;
  });
  t.after(fake.close);
  const retries: Array<{ reason: string; delayMs: number }> = [];
  const result = await importDashboards({
    target: 'kibana',
    url: fake.url,
    retryForMs: 5_000,
    retryDelayMs: 20,
    onRetry: (reason, delayMs) => retries.push({ reason, delayMs }),
  });
  assert.equal(result.successCount, 6);
  assert.equal(fake.seen.length, 3);
  assert.deepEqual(
    retries.map((r) => r.delayMs),
    [20, 40],
  );
  assert.match(retries[0]!.reason, /HTTP 503: Service Unavailable: Kibana server is not ready yet/);
  assert.equal(fake.store.size, 6);
});

test('an unreachable server is retried too, and the last reason is the error once the time is up', async () => {
  const started = Date.now();
  const retries: number[] = [];
  await assert.rejects(
    importDashboards({ target: 'kibana', url: 'http://127.0.0.1:1', retryForMs: 300, retryDelayMs: 50, onRetry: (_r, d) => retries.push(d) }),
    /Kibana import: cannot reach http:\/\/127\.0\.0\.1:1/,
  );
  assert.deepEqual(retries, [50, 100], 'tries while the next pause still ends before the deadline');
  assert.ok(Date.now() - started < 2_000);
});

test('a refusal (401, a bad file) is not retried', async (t) => {
  const fake = await fakeDashboards('kbn-xsrf', () => ({ status: 401, body: { statusCode: 401, error: 'Unauthorized', message: 'bad key' } }));
  t.after(fake.close);
  await assert.rejects(importDashboards({ target: 'kibana', url: fake.url, retryForMs: 5_000, retryDelayMs: 10 }), /HTTP 401: Unauthorized: bad key/);
  assert.equal(fake.seen.length, 1);
});

test('CLI: --retry-for keeps trying a Kibana that answers 503 first; a bad value is refused', async (t) => {
  let calls = 0;
  const fake = await fakeDashboards('kbn-xsrf', () => (++calls === 1 ? { status: 503, body: { message: 'not ready' } } : undefined));
  t.after(fake.close);
  const r = await runCli(['--kibana-url', fake.url, '--retry-for', '30'], { ...withoutUrlEnv(), TXPIPE_LOG_LEVEL: 'silent' });
  assert.equal(r.exitCode, 0, r.stderr);
  assert.equal(fake.seen.length, 2);
  assert.match(r.stdout, /^imported 6 saved objects into Kibana/);
  const bad = await runCli(['--kibana-url', fake.url, '--retry-for', 'soon']);
  assert.notEqual(bad.exitCode, 0);
  assert.match(bad.stderr, /--retry-for.*must be a number of seconds/);
});
