/** `txpipe status`: counts, consumer position and lag, last DAG run. */
import type { Command } from 'commander';
import { statusText } from '../status.ts';
import { commandContext, out, withReadSource } from './context.ts';
import { choiceFlag } from './flags.ts';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('raw/clean counts, dead letters, duplicates, consumer lag, last DAG run')
    .option('--format <format>', 'text or json', choiceFlag(['text', 'json'] as const), 'text')
    .action(async (flags: { format: 'text' | 'json' }) => {
      const ctx = commandContext();
      await withReadSource(ctx, async (source) => {
        const status = await source.status();
        out(flags.format === 'json' ? JSON.stringify(status, null, 2) : statusText(status));
      });
    });
}
