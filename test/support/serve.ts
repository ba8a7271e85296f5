/** `txpipe serve` (or another command that serves the API) as a subprocess, and plain HTTP helpers for the tests. */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { spawnCli } from './cli.ts';

export interface Served {
  /** Base URL, ending in "/". */
  url: string;
  child: ChildProcessWithoutNullStreams;
  /** Everything the process wrote so far. */
  output(): { stdout: string; stderr: string };
  /** SIGTERM, and the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `txpipe serve --port 0 [args]` and resolves once it printed its URL (fails with its output if it exits first). */
export async function serve(env: Record<string, string>, args: string[] = []): Promise<Served> {
  const child = spawnCli(['serve', '--port', '0', ...args], env);
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no URL within 60 s:\n${stdout}${stderr}`)), 60_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = /serving the dashboard at (http:\/\/\S+\/) /.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited ${code} before printing its URL:\n${stdout}${stderr}`));
    });
  });
  return {
    url,
    child,
    output: () => ({ stdout, stderr }),
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  json<T = unknown>(): T;
}

export async function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<HttpAnswer> {
  const res = await fetch(url, { headers, method });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: <T>() => JSON.parse(text) as T };
}

/** Polls `check` until it returns something other than undefined, for at most `ms`. */
export async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (let wait = 50; ; wait = Math.min(wait * 2, 500)) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, wait));
  }
}
