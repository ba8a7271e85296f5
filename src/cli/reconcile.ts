/**
 * `txpipe reconcile`: consumed records = raw rows + dead letters + duplicates, transactions_clean =
 * transactions, hourly_metrics = the aggregate of transactions_clean, documents = hourly_metrics;
 * exit code 1 when any check fails.
 */
import type { Command } from 'commander';
import { formatReconciliation, reconcileAll } from '../reconcile.ts';
import { commandContext, out, withRuntime } from './context.ts';
import { choiceFlag } from './flags.ts';

export function registerReconcile(program: Command): void {
  program
    .command('reconcile')
    .description(
      'prove every consumed record is a raw row, a dead letter or a counted duplicate, and that transactions_clean, ' +
        'hourly_metrics and the search documents agree with what they are made from (exit 1 if not)',
    )
    .option('--format <format>', 'text or json', choiceFlag(['text', 'json'] as const), 'text')
    .action(async (flags: { format: 'text' | 'json' }) => {
      const ctx = commandContext();
      await withRuntime(
        ctx,
        async (rt) => {
          const r = await reconcileAll(rt);
          out(flags.format === 'json' ? JSON.stringify(r, null, 2) : formatReconciliation(r));
          if (!r.ok) process.exitCode = 1;
        },
        'read',
      );
    });
}
