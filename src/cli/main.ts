#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=8 --max-old-space-size=256 --v8-pool-size=2 --no-allocation-site-pretenuring --liftoff-only
/**
 * The txpipe command line: a thin shell; every command calls functions the tests call too.
 * The V8 flags in the first line keep the heap small: with default young-generation sizes a busy ingest
 * let its heap grow past 500 MB RSS while holding well under 100 MB of live data.
 */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config.ts';
import { DataDirInUseError } from '../warehouse/pglite/data-dir-lock.ts';
import { MigrationError } from '../warehouse/migrate.ts';
import { NoDataError, UnreachableError } from '../warehouse/reach.ts';
import { LogUnreachableError } from '../log/port.ts';
import { RemoteApiError } from '../web/remote-source.ts';
import { describeError, UsageError } from './errors.ts';
import { redact } from '../observe/redact.ts';
import { registerGenerate } from './generate.ts';
import { registerProduce } from './produce.ts';
import { registerIngest } from './ingest.ts';
import { registerRun } from './run.ts';
import { registerDag } from './dag.ts';
import { registerTask } from './task.ts';
import { registerMetrics } from './metrics.ts';
import { registerStatus } from './status.ts';
import { registerMigrate } from './migrate.ts';
import { registerDemo } from './demo.ts';
import { registerDashboardsCommand } from './dashboards.ts';
import { registerReconcile } from './reconcile.ts';
import { registerServe } from './serve.ts';
import { registerDeadLetters } from './dead-letters.ts';
import { registerQuality } from './quality.ts';

/** commander's error output, masked (its own lines echo flag values). */
const maskedOutput = { writeErr: (s: string) => process.stderr.write(redact(s)) };

const program = new Command('txpipe')
  .description('real-time transaction analytics: topic → PostgreSQL → process_kafka_to_postgres → search index')
  .version('0.1.0')
  .exitOverride()
  .showHelpAfterError(false)
  // commander echoes a bad flag's value (say --kibana-url with a password in it): masked like every line.
  .configureOutput(maskedOutput);

registerGenerate(program);
registerProduce(program);
registerIngest(program);
registerRun(program);
registerDag(program);
registerTask(program);
registerMetrics(program);
registerStatus(program);
registerDeadLetters(program);
registerQuality(program);
registerReconcile(program);
registerMigrate(program);
registerDemo(program);
registerServe(program);
registerDashboardsCommand(program);
for (const c of program.commands) {
  c.exitOverride().configureOutput(maskedOutput);
  for (const sub of c.commands) sub.exitOverride().configureOutput(maskedOutput);
}
const fail = (line: string) => process.stderr.write(redact(`txpipe: ${line}\n`));
// What escapes every handler (an 'error' event nobody listens to, a rejection nobody awaits) would be
// printed by Node as it is, secrets and all: the same masked line, and exit 1 as Node would.
/** An error txpipe did not expect: its one line, and its stack under debug. */
const failUnexpected = (err: unknown) => {
  fail(describeError(err));
  if (process.env.TXPIPE_LOG_LEVEL === 'debug' && err instanceof Error && err.stack) process.stderr.write(redact(`${err.stack}\n`));
};
const crash = (err: unknown) => {
  failUnexpected(err);
  process.exit(1);
};
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // commander already printed its one line ("error: …"); help and version exit 0.
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else if (err instanceof ConfigError || err instanceof UsageError || err instanceof NoDataError) {
    fail(err.message);
    process.exitCode = 2;
  } else if (
    err instanceof DataDirInUseError ||
    err instanceof MigrationError ||
    err instanceof RemoteApiError ||
    err instanceof UnreachableError ||
    err instanceof LogUnreachableError
  ) {
    fail(err.message);
    process.exitCode = 1;
  } else {
    failUnexpected(err);
    process.exitCode = 1;
  }
}
