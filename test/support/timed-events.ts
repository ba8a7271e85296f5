/** Valid events at chosen times, late or on time: the alert and /metrics tests build their hours from these. */
import { uuidOf } from './prepare.ts';

export const HOUR_MS = 3_600_000;

/** RFC 3339 UTC with milliseconds. */
export const iso = (ms: number) => new Date(ms).toISOString();

/** The hour as JSON output spells it (an alert's key, an event_hour): `2026-03-01T10:00:00.000Z`. */
export const hourKey = (ms: number) => iso(Math.floor(ms / HOUR_MS) * HOUR_MS);

/** A valid event for id n at eventMs: late (processed 5 minutes after, latency > 120 s) or on time (10 s after). */
export function timedEvent(n: number, eventMs: number, late: boolean): string {
  return JSON.stringify({
    transaction_id: uuidOf(n),
    user_id: uuidOf(n + 1_000_000),
    amount: '1.50',
    currency: 'EUR',
    status: 'completed',
    event_time: iso(eventMs),
    processing_time: iso(eventMs + (late ? 300_000 : 10_000)),
  });
}

/** `count` events with ids from `firstId`, a second apart from `startMs`, the first `late` of them late. */
export function hourOfEvents(firstId: number, startMs: number, count: number, late: number): string[] {
  return Array.from({ length: count }, (_, i) => timedEvent(firstId + i, startMs + i * 1000, i < late));
}
