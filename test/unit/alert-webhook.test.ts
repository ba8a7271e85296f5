/** The alert webhook (src/observe/webhook.ts) against a local receiver: JSON, retries, fire-and-forget, the URL kept secret. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../src/observe/logger.ts';
import { AlertWebhook, maskUrl, scrubUrl, type WebhookPayload } from '../../src/observe/webhook.ts';
import type { AlertChange } from '../../src/observe/alerts.ts';
import { webhookReceiver } from '../support/webhook-receiver.ts';

const change: AlertChange = {
  change: 'fired',
  message: 'alert late_ratio fired for event hour 2026-03-01T10:00:00Z',
  alert: {
    rule: 'late_ratio',
    key: '2026-03-01T10:00:00Z',
    event_hour: '2026-03-01T10:00:00Z',
    value: 0.2,
    threshold: 0.1,
    state: 'open',
    fired_at: '2026-03-01T13:00:00.000Z',
    resolved_at: null,
  },
};

/** The secrets a URL in these tests carries; none may appear in any log line. */
const SECRETS = ['hookuser', 'pa55word', 'T0KENPATH', 'qs-t0ken'];
const secretUrl = (base: string) => `${base.replace('http://', 'http://hookuser:pa55word@')}/services/T0KENPATH?token=qs-t0ken`;

function logged() {
  const lines: string[] = [];
  return { lines, logger: createLogger('debug', 'txpipe.alerts', (l) => lines.push(l), 'json') };
}

test('the receiver gets the alert as JSON, with the URL’s credentials as Basic auth and its path and query as they are', async () => {
  const receiver = await webhookReceiver(() => 204);
  const { lines, logger } = logged();
  const outcomes: boolean[] = [];
  try {
    const hook = new AlertWebhook(secretUrl(receiver.base), { logger, delivered: (ok) => outcomes.push(ok) });
    hook.send(change);
    await hook.settle();
    assert.equal(receiver.received.length, 1);
    const [r] = receiver.received;
    assert.equal(r!.method, 'POST');
    assert.equal(r!.url, '/services/T0KENPATH?token=qs-t0ken');
    assert.equal(r!.headers['content-type'], 'application/json');
    assert.equal(r!.headers.authorization, `Basic ${Buffer.from('hookuser:pa55word').toString('base64')}`);
    const payload = JSON.parse(r!.body) as WebhookPayload;
    assert.deepEqual(payload, { source: 'txpipe', event: 'fired', message: change.message, alert: change.alert });
    assert.deepEqual(outcomes, [true]);
    for (const s of SECRETS) assert.ok(!lines.join('\n').includes(s), `${s} in the log:\n${lines.join('\n')}`);
  } finally {
    await receiver.close();
  }
});

test('a receiver that fails twice and then succeeds gets three tries', async () => {
  const receiver = await webhookReceiver((n) => (n <= 2 ? 503 : 200));
  const { logger } = logged();
  const outcomes: boolean[] = [];
  try {
    const hook = new AlertWebhook(secretUrl(receiver.base), { logger, backoffMs: 10, delivered: (ok) => outcomes.push(ok) });
    hook.send(change);
    await hook.settle();
    assert.equal(receiver.received.length, 3);
    assert.deepEqual(outcomes, [true]);
  } finally {
    await receiver.close();
  }
});

test('a receiver that always fails: send returns at once, the tries are bounded, one line says so without the URL’s secrets', async () => {
  const receiver = await webhookReceiver(() => 500);
  const { lines, logger } = logged();
  const outcomes: boolean[] = [];
  try {
    const hook = new AlertWebhook(secretUrl(receiver.base), { logger, attempts: 4, backoffMs: 20, delivered: (ok) => outcomes.push(ok) });
    const started = performance.now();
    hook.send(change);
    assert.ok(performance.now() - started < 50, 'send does not wait for the delivery');
    assert.equal(receiver.received.length, 0);
    await hook.settle();
    assert.equal(receiver.received.length, 4);
    assert.deepEqual(outcomes, [false]);
    const warnings = lines.map((l) => JSON.parse(l) as { level: string; msg: string }).filter((r) => r.level === 'warn');
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0]!.msg,
      /^alert webhook http:\/\/127\.0\.0\.1:\d+\/…: fired late_ratio 2026-03-01T10:00:00Z not delivered after 4 tries: HTTP 500$/,
    );
    for (const s of SECRETS) assert.ok(!lines.join('\n').includes(s), `${s} in the log:\n${lines.join('\n')}`);
  } finally {
    await receiver.close();
  }
});

test('an answer no retry can change (400) is not retried; a receiver that is not there fails after its tries', async () => {
  const receiver = await webhookReceiver(() => 400);
  const { logger } = logged();
  try {
    const hook = new AlertWebhook(receiver.base, { logger, backoffMs: 5 });
    hook.send(change);
    await hook.settle();
    assert.equal(receiver.received.length, 1);
  } finally {
    await receiver.close();
  }
  const { lines, logger: l2 } = logged();
  const gone = new AlertWebhook(secretUrl(receiver.base), { logger: l2, attempts: 2, backoffMs: 5 });
  gone.send(change);
  await gone.settle();
  const text = lines.join('\n');
  assert.match(text, /not delivered after 2 tries: fetch failed/);
  for (const s of SECRETS) assert.ok(!text.includes(s), `${s} in the log:\n${text}`);
});

test('maskUrl shows scheme and host only; scrubUrl removes every secret part from a text', () => {
  const url = 'https://bot:s3cr%40t@hooks.example.com:8443/services/T000/B000/XXXX?token=abc123#frag';
  assert.equal(maskUrl(url), 'https://hooks.example.com:8443/…');
  assert.equal(maskUrl('not a url'), '(webhook URL)');
  const text = `POST ${url} failed; user bot, password s3cr@t, path /services/T000/B000/XXXX, query token=abc123`;
  const scrubbed = scrubUrl(text, url);
  for (const s of ['s3cr', 'XXXX', 'abc123', 'bot']) assert.ok(!scrubbed.includes(s), `${s} left in: ${scrubbed}`);
  assert.ok(scrubbed.includes('failed'), scrubbed);
});
