/** `txpipe generate`: synthetic, seeded transaction events to the topic or to an NDJSON file. */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { generateEvents, defaultStart, type GenerateOptions } from '../events/generator.ts';
import { commandContext, out, withTopic } from './context.ts';
import { intFlag, isoFlag, numberFlag, ratioFlag } from './flags.ts';
import { UsageError } from './errors.ts';
import { progress } from './progress.ts';
import type { EventLog } from '../log/port.ts';
import { publishLines } from '../log/publish.ts';

const CHUNK = 5000;

interface Flags {
  count: number;
  rate?: number;
  lateRatio: number;
  duplicateRatio: number;
  invalidRatio: number;
  seed: number;
  start?: string;
  eventsPerHour: number;
  out?: string;
}

export function registerGenerate(program: Command): void {
  program
    .command('generate')
    .description('generate synthetic transaction events (deterministic for a seed) to the topic, or to NDJSON with --out')
    .requiredOption('--count <n>', 'number of events', intFlag(1, 1_000_000_000))
    .option('--rate <events_per_s>', 'publish at most this many events per second (default: as fast as possible)', numberFlag(0.001, 10_000_000))
    .option('--late-ratio <r>', 'share of late events (latency over 2 minutes)', ratioFlag, 0.05)
    .option('--duplicate-ratio <r>', 'share of re-sent events (same transaction_id)', ratioFlag, 0.01)
    .option('--invalid-ratio <r>', 'share of malformed messages', ratioFlag, 0.01)
    .option('--seed <s>', 'random seed', intFlag(0, 2 ** 32 - 1), 1)
    .option('--start <iso>', 'event_time of the first event (default: so that the events end about now)', isoFlag)
    .option('--events-per-hour <n>', 'event-time density', intFlag(1, 1_000_000_000), 3600)
    .option('--out <file>', 'write NDJSON to this file ("-" for stdout) instead of the topic')
    .action(async (flags: Flags) => {
      if (flags.duplicateRatio + flags.invalidRatio > 1) {
        throw new UsageError(`--duplicate-ratio + --invalid-ratio: must not exceed 1 (got ${flags.duplicateRatio} + ${flags.invalidRatio})`);
      }
      const ctx = commandContext();
      const options: GenerateOptions = {
        count: flags.count,
        seed: flags.seed,
        start: flags.start ? Date.parse(flags.start) : defaultStart(flags.count, flags.eventsPerHour, Date.now()),
        eventsPerHour: flags.eventsPerHour,
        lateRatio: flags.lateRatio,
        duplicateRatio: flags.duplicateRatio,
        invalidRatio: flags.invalidRatio,
      };
      const bar = progress(flags.count, 'generate');
      const throttle = throttler(flags.rate, ctx.signal);
      let done = 0;
      if (flags.out) {
        const stream = flags.out === '-' ? process.stdout : createWriteStream(flags.out);
        for (const line of generateEvents(options)) {
          if (!stream.write(`${line}\n`)) await once(stream, 'drain');
          done++;
          if (done % CHUNK === 0) {
            bar.update(done);
            await throttle(done);
          }
          if (ctx.signal.aborted) break;
        }
        if (stream !== process.stdout) {
          stream.end();
          await once(stream, 'finish');
        }
        bar.stop();
        if (flags.out !== '-') ctx.logger.info(`wrote ${done} events to ${flags.out}`);
        return;
      }
      await withTopic(ctx, async (log) => {
        await log.ensureTopic();
        let chunk: string[] = [];
        const chunkSize = flags.rate ? Math.max(1, Math.min(CHUNK, Math.ceil(flags.rate / 10))) : CHUNK;
        for (const line of generateEvents(options)) {
          chunk.push(line);
          if (chunk.length >= chunkSize) {
            await publishAll(log, chunk);
            done += chunk.length;
            chunk = [];
            bar.update(done);
            await throttle(done);
            if (ctx.signal.aborted) break;
          }
        }
        if (chunk.length > 0 && !ctx.signal.aborted) {
          await publishAll(log, chunk);
          done += chunk.length;
        }
        bar.stop();
        out(`published ${done} events to ${log.kind} topic ${log.topic}`);
      });
    });
}

/** Generated events are never refused (they are small, valid JSON): a refusal is a broken topic. */
async function publishAll(log: EventLog, lines: string[]): Promise<void> {
  const { refused } = await publishLines(log, lines);
  if (refused.length > 0) throw new Error(`the topic refused a generated event: ${refused[0]!.reason}`);
}

/** Waits so that `sent` events took at least sent / rate seconds. */
export function throttler(rate: number | undefined, signal: AbortSignal) {
  const started = performance.now();
  return async (sent: number) => {
    if (!rate) return;
    const due = (sent / rate) * 1000 - (performance.now() - started);
    if (due > 0) await sleep(due, undefined, { signal }).catch(() => {});
  };
}
