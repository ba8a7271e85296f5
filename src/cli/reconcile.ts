/** `txpipe reconcile`: consumed records = raw rows + dead letters + duplicates, or exit code 1. */
import type { Command } from 'commander';
import { reconcile } from '../reconcile.ts';
import { commandContext, out, withRuntime } from './context.ts';
import { choiceFlag } from './flags.ts';

export function registerReconcile(program: Command): void {
  program
    .command('reconcile')
    .description('prove every consumed record is a raw row, a dead letter or a counted duplicate (exit 1 if not)')
    .option('--format <format>', 'text or json', choiceFlag(['text', 'json'] as const), 'text')
    .action(async (flags: { format: 'text' | 'json' }) => {
      const ctx = commandContext();
      await withRuntime(ctx, async (rt) => {
        const r = await reconcile(rt);
        out(
          flags.format === 'json'
            ? JSON.stringify(r, null, 2)
            : `${r.balanced ? 'balanced' : 'NOT BALANCED'}: ${r.consumed} records consumed from ${r.topic} (group ${r.group}) = ` +
                `${r.raw_transactions} raw + ${r.dead_letters} dead letters + ${r.duplicates} duplicates` +
                `${r.balanced ? '' : ` (accounted ${r.accounted})`}${r.complete ? '' : '; the log dropped its oldest records, so the count starts later'}`,
        );
        if (!r.balanced) process.exitCode = 1;
      });
    });
}
