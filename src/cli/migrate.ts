/** `txpipe migrate`: applies the numbered SQL migrations (every command also does it on start). */
import type { Command } from 'commander';
import { createLogger } from '../observe/logger.ts';
import { readMigrations } from '../warehouse/migrate.ts';
import { openWarehouse } from '../runtime.ts';
import { commandContext, out } from './context.ts';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('apply the schema migrations to the warehouse')
    .action(async () => {
      const ctx = commandContext();
      const lines: string[] = [];
      const logger = createLogger(ctx.config.logLevel, 'txpipe', (l) => lines.push(l));
      const warehouse = await openWarehouse(ctx.config, logger);
      await warehouse.close();
      const all = readMigrations();
      out(`schema at version ${all.at(-1)?.version ?? 0} (${all.length} migrations${lines.length ? `; ${lines.map((l) => l.replace(/^.*migrate: /, '')).join('; ')}` : '; nothing to apply'})`);
    });
}
