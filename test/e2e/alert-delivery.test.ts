/**
 * Alerts through a process's observer: evaluated after each DAG run, logged, counted and POSTed to the
 * webhook, whose outcome is recorded on the alert; a failing webhook neither blocks nor fails the run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshTarget } from '../support/target.ts';
import { ingestMessages } from '../support/ingest.ts';
import { hourOfEvents, iso } from '../support/timed-events.ts';
import { webhookReceiver } from '../support/webhook-receiver.ts';
import { loadConfig } from '../../src/config.ts';
import { openRuntime } from '../../src/runtime.ts';
import { runDag, runSingleTask } from '../../src/dag/runner.ts';
import { TASKS } from '../../src/dag/process-kafka-to-postgres.ts';
import { listAlerts } from '../../src/observe/alerts.ts';
import { createLogger } from '../../src/observe/logger.ts';
import { PipelineObserver } from '../../src/observe/observer.ts';
import type { WebhookPayload } from '../../src/observe/webhook.ts';

const H = Date.parse('2026-03-01T10:00:00Z');
/** The late_ratio rule only (freshness off, no dead-letter share can exceed 100 %). */
const RULES = { TXPIPE_ALERT_FRESHNESS_SECONDS: '0', TXPIPE_ALERT_DEAD_LETTER_RATIO: '1' };

async function scenario(answer: (n: number) => number, attempts: number) {
  const t = await freshTarget();
  const receiver = await webhookReceiver(answer);
  const lines: string[] = [];
  const url = `${receiver.base.replace('http://', 'http://alerts:pa55word@')}/hook/T0KEN`;
  const config = loadConfig({ ...t.env, ...RULES, TXPIPE_ALERT_WEBHOOK_URL: url });
  const rt = await openRuntime(
    config,
    createLogger('info', 'txpipe', (l) => lines.push(l), 'json'),
  );
  const observer = new PipelineObserver(rt, { webhook: { attempts, backoffMs: 200 } });
  await ingestMessages(rt.warehouse, config, hourOfEvents(0, H, 100, 20));
  const webhookOf = async () =>
    (
      await rt.warehouse.query<{ webhook_event: string; webhook_state: string; webhook_attempts: number; webhook_error: string | null }>(
        'SELECT webhook_event, webhook_state, webhook_attempts, webhook_error FROM alerts',
      )
    )[0];
  return {
    rt,
    observer,
    receiver,
    lines,
    webhookOf,
    run: () => runDag({ ...rt, observer }, { logicalDate: iso(H), runType: 'manual', retries: 0, retryDelayMs: 0 }),
    async cleanup() {
      await observer.settle();
      await rt.close();
      await receiver.close();
      await t.cleanup();
    },
  };
}

test('after a DAG run the alert is POSTed as JSON; a receiver that fails twice gets three tries, and the delivery is recorded', async () => {
  const s = await scenario((n) => (n <= 2 ? 503 : 200), 4);
  try {
    const result = await s.run();
    assert.equal(result.state, 'success');
    await s.observer.settle();
    assert.equal(s.receiver.received.length, 3);
    const bodies = s.receiver.received.map((r) => JSON.parse(r.body) as WebhookPayload);
    assert.deepEqual(
      bodies.map((b) => [b.event, b.alert.rule, b.alert.key, b.alert.value, b.alert.threshold, b.alert.state]),
      Array(3).fill(['fired', 'late_ratio', '2026-03-01T10:00:00.000Z', 0.2, 0.1, 'open']),
    );
    assert.equal(s.receiver.received[0]!.url, '/hook/T0KEN');
    assert.deepEqual(await s.webhookOf(), { webhook_event: 'fired', webhook_state: 'delivered', webhook_attempts: 3, webhook_error: null });
    // The log has the alert's one line, with the alert as a field.
    const alertLines = s.lines
      .map((l) => JSON.parse(l) as { scope: string; level: string; msg: string; alert?: { key: string } })
      .filter((r) => r.scope === 'txpipe.alerts');
    assert.deepEqual(
      alertLines.map((r) => [r.level, r.alert?.key]),
      [['warn', '2026-03-01T10:00:00.000Z']],
    );
    assert.match(
      alertLines[0]!.msg,
      /^alert late_ratio fired for event hour 2026-03-01T10:00:00\.000Z: 20\.00 % of its transactions are late, above 10\.00 %/,
    );
    // Counted by the process.
    const page = (await s.observer.metrics.registry.metrics()).split('\n');
    assert.ok(page.includes('txpipe_alerts_fired_total{rule="late_ratio"} 1'), page.join('\n'));
    assert.ok(page.includes('txpipe_alert_webhook_deliveries_total{result="delivered"} 1'));
  } finally {
    await s.cleanup();
  }
});

test('a webhook that always fails neither blocks nor fails the DAG run; its failure is recorded, without the URL’s secrets', async () => {
  const s = await scenario(() => 500, 4);
  try {
    const result = await s.run();
    assert.equal(result.state, 'success');
    // The run returned while the deliveries were still being retried (200 ms, 400 ms, 800 ms apart).
    assert.ok(s.receiver.received.length < 4, `${s.receiver.received.length} tries before the run returned`);
    await s.observer.settle();
    assert.equal(s.receiver.received.length, 4);
    assert.deepEqual(await s.webhookOf(), { webhook_event: 'fired', webhook_state: 'failed', webhook_attempts: 4, webhook_error: 'HTTP 500' });
    const text = s.lines.join('\n');
    assert.match(
      text,
      /alert webhook http:\/\/127\.0\.0\.1:\d+\/…: fired late_ratio 2026-03-01T10:00:00\.000Z not delivered after 4 tries: HTTP 500/,
    );
    for (const secret of ['pa55word', 'T0KEN', 'alerts:pa55']) assert.ok(!text.includes(secret), `${secret} in the log`);
    // The next run evaluates again and fires nothing new: nothing more is sent.
    assert.equal((await s.run()).state, 'success');
    await s.observer.settle();
    assert.equal(s.receiver.received.length, 4);
  } finally {
    await s.cleanup();
  }
});

test('tasks run one at a time (as Airflow calls them): the alerts are evaluated once the last task ends the run', async () => {
  const s = await scenario(() => 200, 1);
  try {
    const runId = 'scheduled__2026-03-01T10:00:00+00:00';
    const open: number[] = [];
    for (const task of TASKS) {
      const outcome = await runSingleTask(
        { ...s.rt, observer: s.observer },
        { runId, taskId: task.id, logicalDate: iso(H), fullRefresh: false, runType: 'airflow' },
      );
      assert.notEqual(outcome.state, 'failed');
      open.push((await listAlerts(s.rt.warehouse)).length);
    }
    assert.deepEqual(
      open,
      TASKS.map((_, i) => (i === TASKS.length - 1 ? 1 : 0)),
    );
    await s.observer.settle();
    assert.equal(s.receiver.received.length, 1);
    const page = (await s.observer.metrics.registry.metrics()).split('\n');
    assert.ok(page.includes('txpipe_dag_runs_total{state="success"} 1'), page.join('\n'));
  } finally {
    await s.cleanup();
  }
});
