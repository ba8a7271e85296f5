/** `txpipe migrate`: applies the numbered SQL migrations (every command also does it on start). */
import type { Command } from 'commander';
import { migrate } from '../warehouse/migrate.ts';
import { connectWarehouse } from '../runtime.ts';
import { reachWarehouse } from '../warehouse/reach.ts';
import { commandContext, out } from './context.ts';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('apply the schema migrations to the warehouse')
    .action(async () => {
      const ctx = commandContext();
      const warehouse = await connectWarehouse(ctx.config);
      try {
        await reachWarehouse(warehouse, ctx.config);
        const result = await migrate(warehouse);
        out(`schema at version ${result.current}: ${result.applied.length > 0 ? `applied ${result.applied.join(', ')}` : 'nothing to apply'}`);
      } finally {
        await warehouse.close();
      }
    });
}
