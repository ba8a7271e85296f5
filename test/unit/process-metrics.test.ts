/** The process's own counters: fed once per batch, task, step or alert, read back as Prometheus text. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProcessMetrics } from '../../src/observe/process-metrics.ts';

/** `name{labels} value` lines of the registry's text, by series. */
async function series(m: ProcessMetrics): Promise<Map<string, number>> {
  const text = await m.registry.metrics();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const hit = /^(txpipe_\S+) (\S+)$/.exec(line);
    if (hit) out.set(hit[1]!, Number(hit[2]));
  }
  return out;
}

test('continuous steps of txpipe run are counted by outcome, timed by phase, and their rows and documents added up', async () => {
  const m = new ProcessMetrics({ processMetrics: false });
  const phases = { lock: 0.001, run_transformations: 0.02, refresh_views: 0.01, index_hourly_metrics_to_elasticsearch: 0.03 };
  m.stepEnded({ seconds: 0.061, phases, rowsCleaned: 120, documentsIndexed: 2 });
  m.stepEnded({ seconds: 0.04, phases, rowsCleaned: 80, documentsIndexed: 1 });
  m.stepEnded({ seconds: 0.5, phases, rowsCleaned: 0, documentsIndexed: 0, error: new Error('search engine down') });
  const s = await series(m);
  assert.equal(s.get('txpipe_continuous_steps_total{state="success"}'), 2);
  assert.equal(s.get('txpipe_continuous_steps_total{state="failed"}'), 1);
  assert.equal(s.get('txpipe_continuous_rows_cleaned_total'), 200);
  assert.equal(s.get('txpipe_documents_indexed_total'), 3);
  assert.equal(s.get('txpipe_continuous_step_seconds_count{phase="all"}'), 3);
  assert.ok(Math.abs(s.get('txpipe_continuous_step_seconds_sum{phase="all"}')! - 0.601) < 1e-9);
  assert.equal(s.get('txpipe_continuous_step_seconds_count{phase="run_transformations"}'), 3);
  assert.equal(s.get('txpipe_continuous_step_seconds_bucket{le="0.05",phase="all"}'), 1);
});
