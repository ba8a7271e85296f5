/** Tests internals: the peak RSS the CLI reports (src/observe/peak-rss.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { peakRssMB } from '../../src/observe/peak-rss.ts';

test("peak RSS is this process's own high-water mark, at least its current RSS", () => {
  const peak = peakRssMB();
  const now = process.memoryUsage().rss / 2 ** 20;
  assert.ok(peak >= now - 1, `peak ${peak} MB >= current ${now} MB`);
  assert.ok(peak < 4096, `peak ${peak} MB is plausible`);
});
