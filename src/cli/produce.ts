/** `txpipe produce`: NDJSON lines, valid or not, published as their exact bytes to the topic, each keyed by its transaction_id. */
import { redact } from '../observe/redact.ts';
import { createReadStream } from 'node:fs';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { keyedRecord } from '../events/event-key.ts';
import type { AppendRecord, EventLog } from '../log/port.ts';
import { byteLines } from './byte-lines.ts';
import { commandContext, out, withTopic } from './context.ts';
import { UsageError } from './errors.ts';

const CHUNK = 5000;

/** Lines of a chunk with their numbers in the file (1-based, blank lines counted). */
interface Chunk {
  lines: number[];
  records: AppendRecord[];
}

/** Publishes a chunk; each line the log refuses is reported as `line N: reason`. Returns how many were refused. */
async function publish(log: EventLog, chunk: Chunk, report: (line: string) => void): Promise<number> {
  const { refused } = await log.append(chunk.records);
  for (const r of refused) report(`line ${chunk.lines[r.index]}: ${r.reason}`);
  return refused.length;
}

export function registerProduce(program: Command): void {
  program
    .command('produce')
    .description('publish NDJSON lines as they are (valid or not) to the transactions topic; exit 1 if the log refused any')
    .requiredOption('--file <file>', 'NDJSON file, or "-" for stdin')
    .action(async (flags: { file: string }) => {
      const ctx = commandContext();
      if (flags.file !== '-') {
        await access(flags.file, constants.R_OK).catch(() => {
          throw new UsageError(`--file: cannot read ${flags.file}`);
        });
        if ((await stat(flags.file)).isDirectory()) throw new UsageError(`--file: ${flags.file} is a directory, not a file`);
      }
      await withTopic(ctx, async (log) => {
        await log.ensureTopic();
        const input = flags.file === '-' ? process.stdin : createReadStream(flags.file);
        // Bytes, never decoded: a line that is not UTF-8 reaches the log exactly as it is in the file.
        const lines = byteLines(input);
        const report = (line: string) => process.stderr.write(redact(`${line}\n`));
        let chunk: Chunk = { lines: [], records: [] };
        let read = 0;
        let sent = 0;
        let refused = 0;
        const flush = async () => {
          sent += chunk.records.length;
          refused += await publish(log, chunk, report);
          chunk = { lines: [], records: [] };
        };
        for await (const line of lines) {
          read++;
          if (line.length === 0) continue; // blank lines separate nothing in NDJSON
          chunk.lines.push(read);
          chunk.records.push(keyedRecord(line));
          if (chunk.records.length >= CHUNK) await flush();
        }
        if (chunk.records.length > 0) await flush();
        out(`published ${sent - refused} messages to ${log.kind} topic ${log.topic}${refused > 0 ? `; ${refused} refused (see above)` : ''}`);
        if (refused > 0) process.exitCode = 1;
      });
    });
}
