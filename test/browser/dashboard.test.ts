/// <reference lib="dom" />
/**
 * The dashboard in a real browser: Debian's chromium (TXPIPE_TEST_CHROMIUM, found or installed by
 * scripts/browser/chromium.sh) driven by playwright-core, over a running `txpipe serve` with known data.
 * The charts must draw exactly the hours computed from the messages, the health panel the counts, the
 * alerts the hours whose late ratio is over the limit; hostile payloads stay text; no console errors;
 * screenshots (laptop and phone) under test-output/. A missing browser fails, never skips.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { freshTarget } from '../support/target.ts';
import { HOSTILE, loadKnownData } from '../support/known-data.ts';
import { serve, until } from '../support/serve.ts';

const OUTPUT = join(import.meta.dirname, '..', '..', 'test-output');
const executablePath = process.env.TXPIPE_TEST_CHROMIUM ?? '/usr/bin/chromium';
const en = new Intl.NumberFormat('en-US');

async function open(browser: Browser, url: string, viewport: { width: number; height: number }) {
  const page = await browser.newPage({ viewport });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  await page.goto(url);
  // A refresh that loaded everything sets data-refreshes.
  await page.waitForFunction(() => Number(document.body.dataset.refreshes ?? 0) >= 1, undefined, { timeout: 30_000 });
  return { page, problems };
}

const statValue = (page: Page, name: string) => page.locator(`[data-stat=${name}] .value`).textContent();
const chartHours = async (page: Page, chart: string) =>
  ((await page.locator(`figure[data-chart=${chart}]`).getAttribute('data-hours')) ?? '').split(',').filter(Boolean);

test('the dashboard draws the known hours and counts, keeps hostile payloads as text, and logs no errors', async () => {
  await mkdir(OUTPUT, { recursive: true });
  // Alerts for late hours of at least 20 transactions, so that the known data has some.
  const t = await freshTarget({ TXPIPE_ALERT_LATE_MIN_TRANSACTIONS: '20' });
  let browser: Browser | undefined;
  try {
    const { expected } = await loadKnownData(t);
    const hours = expected.hours.map((h) => h.event_hour);
    const lateHours = expected.hours.filter((h) => h.total_transactions >= 20 && h.late_transactions / h.total_transactions > 0.1);
    assert.ok(lateHours.length > 0, 'the known data has no late hour to alert on');
    const s = await serve(t.env);
    try {
      browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
      // The data is from March 2026: "all" shows it (the default, the last 24 h, shows none of it).
      const { page, problems } = await open(browser, `${s.url}?range=all`, { width: 1366, height: 900 });

      for (const chart of ['transactions', 'amount', 'late', 'latency']) {
        assert.deepEqual(await chartHours(page, chart), hours, chart);
        // uPlot drew a canvas of real size for it.
        const box = await page.locator(`figure[data-chart=${chart}] canvas`).first().boundingBox();
        assert.ok(box && box.width > 200 && box.height > 100, `${chart}: ${JSON.stringify(box)}`);
      }
      assert.equal(await statValue(page, 'raw_transactions'), en.format(expected.valid));
      assert.equal(await statValue(page, 'dead_letters'), en.format(expected.invalid));
      assert.equal(await statValue(page, 'duplicates'), en.format(expected.duplicates));
      assert.equal(await statValue(page, 'lag'), '0');
      assert.equal(await statValue(page, 'last_run'), 'success');
      // Open alerts: one per late hour, and freshness (the newest event is months old).
      assert.equal(await statValue(page, 'alerts'), String(lateHours.length + 1));
      const alertKeys = await page
        .locator('#alerts li')
        .evaluateAll((li) => li.map((l) => `${(l as HTMLElement).dataset.rule} ${(l as HTMLElement).dataset.key}`));
      assert.deepEqual(alertKeys.filter((k) => k.startsWith('late_ratio')).sort(), lateHours.map((h) => `late_ratio ${h.event_hour}`).sort());
      assert.equal(alertKeys.filter((k) => k.startsWith('freshness')).length, 1);
      // The data-quality panel: every check of that run, as /api/quality has it, the failing ones first.
      const quality = await page
        .locator('#quality tbody tr')
        .evaluateAll((rows) => rows.map((r) => [(r as HTMLElement).dataset.check, (r as HTMLElement).dataset.status]));
      const apiQuality = (await (await fetch(`${s.url}api/quality`)).json()) as { name: string; status: string }[];
      assert.equal(quality.length, 15);
      assert.deepEqual([...quality].sort(), apiQuality.map((r) => [r.name, r.status]).sort());
      const rank = { fail: 0, warn: 1, pass: 2 } as Record<string, number>;
      const ranks = quality.map(([, status]) => rank[status!]!);
      assert.deepEqual(ranks, [...ranks].sort(), 'failing checks first');
      assert.deepEqual(
        quality.find(([name]) => name === 'freshness'),
        ['freshness', 'warn'],
        'the events are months old',
      );
      assert.equal(await page.locator('#quality .held').isHidden(), true);
      // The last run with each task's state.
      const tasks = await page
        .locator('#runs tbody tr')
        .first()
        .locator('[data-task]')
        .evaluateAll((els) => els.map((e) => [(e as HTMLElement).dataset.task, (e as HTMLElement).dataset.state]));
      assert.deepEqual(tasks, [
        ['run_transformations', 'success'],
        ['refresh_views', 'success'],
        ['check_data_quality', 'success'],
        ['index_hourly_metrics_to_elasticsearch', 'skipped'],
      ]);

      // Dead letters newest first: the hostile payloads were sent last, so they lead, shown as text.
      const rows = page.locator('#dead-letters tbody tr');
      assert.ok((await rows.count()) >= HOSTILE.length);
      for (const r of await rows.all()) await r.locator('details').evaluate((d) => ((d as HTMLDetailsElement).open = true));
      // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what a person sees
      const shown = await page.locator('#dead-letters').innerText();
      assert.ok(shown.includes('<img src=x onerror='), 'the <img> payload is not shown as text');
      assert.ok(shown.includes('</script><script>window.__pwned=2</script>'), 'the <script> payload is not shown as text');
      assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
      assert.equal(await page.locator('#injected').count(), 0);
      assert.notEqual(await page.title(), 'pwned');
      await page.screenshot({ path: join(OUTPUT, 'dashboard-laptop.png'), fullPage: true });

      // The range picker: a custom range shows only its hours, and the URL keeps it.
      await page.locator('label:has(input[name=range][value=custom])').click();
      await page.locator('#from').fill('2026-03-01T08:00');
      await page.locator('#to').fill('2026-03-01T10:00');
      await page.locator('#apply').click();
      const inRange = hours.filter((h) => h >= '2026-03-01T08:00:00.000Z' && h < '2026-03-01T10:00:00.000Z');
      await until('the custom range', async () => ((await chartHours(page, 'transactions')).join() === inRange.join() ? true : undefined), 15_000);
      assert.deepEqual(await chartHours(page, 'latency'), inRange);
      assert.equal(new URL(page.url()).search, '?from=2026-03-01T08%3A00%3A00Z&to=2026-03-01T10%3A00%3A00Z');
      // The default, the last 24 hours, holds none of March's hours.
      await page.locator('label:has(input[name=range][value="24h"])').click();
      await until('the 24 h range', async () => ((await chartHours(page, 'transactions')).length === 0 ? true : undefined), 15_000);
      assert.equal(await page.locator('figure[data-chart=transactions] .empty').isVisible(), true);
      assert.deepEqual(problems, []);

      // A phone: the same page, nothing wider than the screen.
      const phone = await open(browser, `${s.url}?range=all`, { width: 390, height: 844 });
      assert.deepEqual(await chartHours(phone.page, 'amount'), hours);
      const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `the page is ${overflow} px wider than a phone`);
      await phone.page.screenshot({ path: join(OUTPUT, 'dashboard-phone.png'), fullPage: true });
      assert.deepEqual(phone.problems, []);
    } finally {
      await browser?.close();
      assert.equal(await s.stop(), 0, s.output().stderr);
    }
  } finally {
    await t.cleanup();
  }
});
