/** Hand-written messages covering the edge cases, and helpers to write NDJSON files for the CLI. */
import { writeFile } from 'node:fs/promises';
import { generateEvents } from '../../src/events/generator.ts';

const ev = (o: Record<string, unknown>) => JSON.stringify(o);
const id = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const user = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
const base = { user_id: user, currency: 'EUR', status: 'completed' };

/** Edge cases around 2026-03-01 10:00 UTC. */
export function edgeCaseMessages(): string[] {
  return [
    ev({ ...base, transaction_id: id(1), amount: '10.50', event_time: '2026-03-01T10:15:00Z', processing_time: '2026-03-01T10:15:30Z' }),
    // an offset timestamp: 15:50+05:30 is 10:20 UTC
    ev({ ...base, transaction_id: id(2), amount: 20, event_time: '2026-03-01T15:50:00+05:30', processing_time: '2026-03-01T10:20:10Z' }),
    // hour boundaries
    ev({ ...base, transaction_id: id(3), amount: '1.01', event_time: '2026-03-01T10:59:59.999999Z', processing_time: '2026-03-01T11:00:05Z' }),
    ev({ ...base, transaction_id: id(4), amount: '2.02', event_time: '2026-03-01T11:00:00Z', processing_time: '2026-03-01T11:00:05Z' }),
    // latency exactly 120 s is not late; 120.000001 s is
    ev({ ...base, transaction_id: id(5), amount: '3', event_time: '2026-03-01T11:10:00Z', processing_time: '2026-03-01T11:12:00Z' }),
    ev({ ...base, transaction_id: id(6), amount: '4', event_time: '2026-03-01T11:10:00Z', processing_time: '2026-03-01T11:12:00.000001Z' }),
    // a late arrival for an earlier hour
    ev({ ...base, transaction_id: id(7), amount: '5.55', event_time: '2026-03-01T09:30:00Z', processing_time: '2026-03-01T10:40:00Z' }),
    // the same transaction_id again, different content: the first delivery wins
    ev({ ...base, transaction_id: id(1), amount: '999.99', event_time: '2026-03-01T10:15:00Z', processing_time: '2026-03-01T10:15:30Z' }),
    // upper-case UUID of an existing id: the same transaction
    ev({ ...base, transaction_id: id(2).toUpperCase(), amount: '7', event_time: '2026-03-01T10:20:00Z', processing_time: '2026-03-01T10:20:10Z' }),
    // exact amounts: many decimals, and a JSON number
    ev({
      ...base,
      transaction_id: id(8),
      amount: '0.123456789012345678',
      event_time: '2026-03-01T10:30:00Z',
      processing_time: '2026-03-01T10:30:01Z',
    }),
    `{"transaction_id":"${id(9)}","user_id":"${user}","amount":19.99,"currency":"USD","status":"pending","event_time":"2026-03-01T10:31:00Z","processing_time":"2026-03-01T10:31:01Z","extra":{"amount":-1}}`,
    // no processing_time: the append time is used, long after this event time, so late
    ev({ ...base, transaction_id: id(10), amount: '6', event_time: '2026-03-01T10:45:00Z' }),
    // an offset that crosses midnight: 00:30+01:00 is 23:30 UTC the day before
    ev({ ...base, transaction_id: id(11), amount: '8.8', event_time: '2026-03-01T00:30:00+01:00', processing_time: '2026-02-28T23:31:00-00:00' }),
    // processing_time with an offset: 16:05+05:30 is 10:35 UTC, 5 minutes after the event: late
    ev({ ...base, transaction_id: id(12), amount: '9', event_time: '2026-03-01T10:30:00Z', processing_time: '2026-03-01T16:05:00+05:30' }),
    // invalid messages
    'not json at all',
    '[1,2,3]',
    'null',
    ev({ ...base, transaction_id: id(20), event_time: '2026-03-01T10:00:00Z' }), // amount missing
    ev({ ...base, transaction_id: 'not-a-uuid', amount: '1', event_time: '2026-03-01T10:00:00Z' }),
    ev({ ...base, transaction_id: id(21), amount: '-5', event_time: '2026-03-01T10:00:00Z' }),
    ev({ ...base, transaction_id: id(22), amount: '1', currency: 'eur', event_time: '2026-03-01T10:00:00Z' }),
    ev({ ...base, transaction_id: id(23), amount: '1', event_time: '2026-02-30T10:00:00Z' }),
    ev({ ...base, transaction_id: id(24), amount: '1', status: '', event_time: '2026-03-01T10:00:00Z' }),
    ev({ ...base, transaction_id: id(25), amount: '1', status: 'x'.repeat(33), event_time: '2026-03-01T10:00:00Z' }),
    ev({ ...base, transaction_id: id(26), amount: 'NaN', event_time: '2026-03-01T10:00:00Z' }),
    `{"transaction_id":"${id(27)}","user_id":"${user}","amount":"1","currency":"EUR","status":"ok\u0000","event_time":"oops"}`,
  ];
}

export function generated(count: number, seed: number, start = '2026-03-01T08:00:00Z', eventsPerHour = 1200): string[] {
  return [
    ...generateEvents({
      count,
      seed,
      start: Date.parse(start),
      eventsPerHour,
      lateRatio: 0.08,
      duplicateRatio: 0.03,
      invalidRatio: 0.03,
    }),
  ];
}

export async function writeNdjson(file: string, lines: readonly string[]): Promise<void> {
  await writeFile(file, `${lines.join('\n')}\n`);
}
