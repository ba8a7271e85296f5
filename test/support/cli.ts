/** Runs the real `txpipe` CLI as a subprocess on Node 24, with only the environment the test gives. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const repoRoot = join(import.meta.dirname, '..', '..');
const node = process.execPath;
const main = join(repoRoot, 'src', 'cli', 'main.ts');

/**
 * The environment and V8 flags of main.ts's shebang (`#!/usr/bin/env -S VAR=x node --flag …`), so the
 * tests run the CLI as `txpipe` runs (on this Node 24, whatever `node` is first on PATH).
 */
const shebang = readFileSync(main, 'utf8')
  .split('\n', 1)[0]!
  .replace(/^#!\/usr\/bin\/env -S /, '')
  .split(/\s+/);
const shebangEnv = Object.fromEntries(shebang.slice(0, shebang.indexOf('node')).map((kv) => kv.split('=') as [string, string]));
export const nodeFlags = shebang.slice(shebang.indexOf('node') + 1);

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Keys from the outer environment that must not leak into a test's txpipe (they pick the servers). */
const TXPIPE_KEYS = /^(DATABASE_URL|KAFKA_|TXPIPE_|ELASTICSEARCH_|OPENSEARCH_|SEARCH_)/;

export function cliEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!TXPIPE_KEYS.test(k)) base[k] = v;
  return { ...base, ...shebangEnv, ...env };
}

/** The user a command runs as (root's tests run some as an unprivileged user: root may write anywhere). */
export interface RunAs {
  uid: number;
  gid: number;
}

export function runCli(args: string[], env: Record<string, string>, input?: string, as?: RunAs): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, [...nodeFlags, main, ...args], { env: cliEnv(env), cwd: repoRoot, ...as });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

/** Like runCli but fails with the command's stderr when it does not exit 0. */
export async function cli(args: string[], env: Record<string, string>, input?: string): Promise<string> {
  const r = await runCli(args, env, input);
  if (r.code !== 0) throw new Error(`txpipe ${args.join(' ')} exited ${r.code ?? r.signal}:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** Starts the real `txpipe` CLI as a subprocess and leaves it running (stdin closed). */
export function spawnCli(args: string[], env: Record<string, string>): ChildProcessWithoutNullStreams {
  const child = spawn(node, [...nodeFlags, main, ...args], { env: cliEnv(env), cwd: repoRoot });
  child.stdin.end();
  return child;
}

/**
 * Runs `txpipe ingest <args>` with debug logs and kills it with SIGKILL (no cleanup at all) once `commits`
 * batches have committed, counted from its "batch committed" lines: a crash in the middle of a stream.
 * Resolves with the signal that ended it (null when the ingest finished first).
 */
export function killIngestAfterCommits(args: string[], env: Record<string, string>, commits: number): Promise<NodeJS.Signals | null> {
  const child = spawnCli(['ingest', ...args], { ...env, TXPIPE_LOG_LEVEL: 'debug' });
  const closed = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_c, s) => resolve(s)));
  let committed = 0;
  child.stderr.on('data', (d: Buffer) => {
    committed += d.toString().split('batch committed').length - 1;
    if (committed >= commits) child.kill('SIGKILL');
  });
  return closed;
}
