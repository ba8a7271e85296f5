/**
 * Every JSON output spells its instants one way: RFC 3339 UTC with milliseconds and `Z`
 * (`2026-09-01T03:00:00.000Z`, what Date#toISOString writes), the hour keys of the hourly tables
 * (`event_hour`, an alert's `key`) too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cli } from '../support/cli.ts';
import { freshTarget } from '../support/target.ts';
import { loadKnownData } from '../support/known-data.ts';
import { get, serve } from '../support/serve.ts';

const INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
/** Anything that starts like a date-time, whatever its spelling. */
const LOOKS_LIKE_TIME = /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d/;

/** Every string value that looks like a date-time, with its path. */
function timestamps(value: unknown, path = '$'): [string, string][] {
  if (typeof value === 'string') return LOOKS_LIKE_TIME.test(value) ? [[path, value]] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => timestamps(v, `${path}[${i}]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => timestamps(v, `${path}.${k}`));
  return [];
}

function check(source: string, json: unknown): number {
  const found = timestamps(json);
  for (const [path, v] of found) assert.match(v, INSTANT, `${source} ${path}`);
  return found.length;
}

test('every JSON output (CLI and /api) spells its timestamps one way', async () => {
  const t = await freshTarget({ TXPIPE_ALERT_LATE_MIN_TRANSACTIONS: '20' });
  try {
    await loadKnownData(t);
    const letters = JSON.parse(await cli(['dead-letters', 'list', '--format', 'json', '--limit', '5'], t.env)) as {
      partition: number;
      offset: string;
    }[];
    const outputs: [string, string[]][] = [
      ['status', ['status', '--format', 'json']],
      ['metrics', ['metrics', 'hourly', '--format', 'json']],
      ['dag runs', ['dag', 'runs', '--format', 'json']],
      ['dead-letters show', ['dead-letters', 'show', `${letters[0]!.partition}:${letters[0]!.offset}`, '--format', 'json']],
      ['reconcile', ['reconcile', '--format', 'json']],
    ];
    let seen = check('dead-letters list', letters);
    for (const [name, args] of outputs) seen += check(name, JSON.parse(await cli(args, t.env)));
    const served = await serve(t.env);
    try {
      for (const path of ['api/status', 'api/ingest', 'api/hourly-metrics', 'api/hourly-latency', 'api/runs', 'api/dead-letters', 'api/alerts']) {
        const r = await get(`${served.url}${path}`);
        assert.equal(r.status, 200, path);
        seen += check(path, r.json());
      }
    } finally {
      await served.stop();
    }
    // Runs, tasks, dead letters, alerts, hours: there were many to check.
    assert.ok(seen > 50, `only ${seen} timestamps seen`);
  } finally {
    await t.cleanup();
  }
});
