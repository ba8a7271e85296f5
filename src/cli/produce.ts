/** `txpipe produce`: NDJSON lines, valid or not, published as they are to the topic. */
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { commandContext, out, withRuntime } from './context.ts';
import { UsageError } from './errors.ts';

const CHUNK = 5000;

export function registerProduce(program: Command): void {
  program
    .command('produce')
    .description('publish NDJSON lines as they are (valid or not) to the transactions topic')
    .requiredOption('--file <file>', 'NDJSON file, or "-" for stdin')
    .action(async (flags: { file: string }) => {
      const ctx = commandContext();
      if (flags.file !== '-') {
        await access(flags.file).catch(() => {
          throw new UsageError(`--file: cannot read ${flags.file}`);
        });
      }
      await withRuntime(ctx, async (rt) => {
        await rt.log.ensureTopic();
        const input = flags.file === '-' ? process.stdin : createReadStream(flags.file);
        const lines = createInterface({ input, crlfDelay: Infinity });
        let chunk: string[] = [];
        let published = 0;
        for await (const line of lines) {
          if (line.length === 0) continue; // blank lines separate nothing in NDJSON
          chunk.push(line);
          if (chunk.length >= CHUNK) {
            await rt.log.append(chunk);
            published += chunk.length;
            chunk = [];
          }
        }
        if (chunk.length > 0) {
          await rt.log.append(chunk);
          published += chunk.length;
        }
        out(`published ${published} messages to ${rt.log.kind} topic ${rt.log.topic}`);
      });
    });
}
