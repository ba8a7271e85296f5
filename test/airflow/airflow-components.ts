/**
 * Real Airflow components for the scheduler test: each started in a process group of its own, with its
 * output in a log file, and stopped with every process it left (LocalExecutor workers, task
 * supervisors, the txpipe commands under them): SIGTERM to each component, then to its group and every
 * descendant seen, then SIGKILL. stopAll reports what outlived the first SIGTERM and what is still alive
 * (nothing, or the test fails).
 */
import { spawn } from 'node:child_process';
import { openSync, closeSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export interface Component {
  name: string;
  pid: number;
  logFile: string;
  exited: Promise<number | null>;
  /** Every process seen in the component's tree (its group and descendants): pid -> start time, so a
   *  pid the system has since given to another process is never signalled. */
  seen: Map<number, string>;
}

/** A TCP port free on 127.0.0.1 at the time of the call. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

const started: Component[] = [];
let exitHookInstalled = false;

/** Last resort if the test process dies without its after hook: SIGKILL every group it started. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of started) {
      signalGroup(c, 'SIGKILL');
      for (const pid of live(c)) signal(pid, 'SIGKILL');
    }
  });
}

export function startComponent(name: string, bin: string, args: string[], env: NodeJS.ProcessEnv, logFile: string, cwd: string): Component {
  installExitHook();
  const fd = openSync(logFile, 'a');
  const child = spawn(bin, args, { env, cwd, detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`${name}: could not start ${bin}`);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.once('error', () => undefined);
  const c: Component = { name, pid: child.pid, logFile, exited, seen: new Map([[child.pid, startTime(child.pid) ?? '']]) };
  started.push(c);
  return c;
}

interface ProcInfo {
  pid: number;
  state: string;
  ppid: number;
  pgid: number;
  startTime: string;
}

/** /proc/<pid>/stat: pid (comm) state ppid pgrp … starttime (field 22); comm may hold spaces and ')'. */
function procInfo(pid: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pid, state: fields[0]!, ppid: Number(fields[1]), pgid: Number(fields[2]), startTime: fields[19]! };
  } catch {
    return undefined; // exited
  }
}

function startTime(pid: number): string | undefined {
  return procInfo(pid)?.startTime;
}

function processes(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const info = procInfo(Number(entry));
    if (info) out.push(info);
  }
  return out;
}

/** The processes of c's tree still running (the same process: same pid and start time; zombies excluded). */
function live(c: Component): number[] {
  return [...c.seen]
    .filter(([pid, start]) => {
      const info = procInfo(pid);
      return info !== undefined && info.state !== 'Z' && info.startTime === start;
    })
    .map(([pid]) => pid);
}

/** Adds to c.seen every live process in c's group or below one of its processes. */
export function refreshTree(c: Component): void {
  const all = processes();
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of all) {
      if (c.seen.has(p.pid) || p.state === 'Z') continue;
      const parent = c.seen.get(p.ppid);
      if (p.pgid === c.pid || (parent !== undefined && parent === startTime(p.ppid))) {
        c.seen.set(p.pid, p.startTime);
        grew = true;
      }
    }
  }
}

/** Signals c's process group, only while a process of c's tree still leads or belongs to it. */
function signalGroup(c: Component, sig: NodeJS.Signals): void {
  if (live(c).some((pid) => procInfo(pid)?.pgid === c.pid)) signal(-c.pid, sig);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim().slice(0, 160);
  } catch {
    return '?';
  }
}

export interface Stopped {
  /** Processes still alive after SIGTERM, the grace period, and SIGKILL (expected: none). */
  left: number[];
  /** Processes still there after the components' own SIGTERM and the grace period: "name pid command". */
  forced: string[];
  seconds: number;
}

/**
 * Stops every component and everything under it. First SIGTERM to each component's own process only,
 * as a service manager would: the scheduler then ends its LocalExecutor workers and its log server
 * itself (a SIGTERM to the whole group at once left the scheduler and idle workers hanging). Then,
 * for what is left after graceMs, SIGTERM to the group and every descendant, and SIGKILL 5 s later.
 */
export async function stopAll(graceMs = 20_000): Promise<Stopped> {
  const begun = Date.now();
  const remaining = () => started.flatMap(live);
  const waitGone = async (ms: number) => {
    const deadline = Date.now() + ms;
    while (remaining().length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      for (const c of started) refreshTree(c);
    }
  };
  for (const c of started) refreshTree(c);
  for (const c of started) if (live(c).includes(c.pid)) signal(c.pid, 'SIGTERM');
  await waitGone(graceMs);
  const forced = started.flatMap((c) => live(c).map((pid) => `${c.name} ${pid} ${commandLine(pid)}`));
  if (forced.length > 0) {
    for (const c of started) {
      signalGroup(c, 'SIGTERM');
      for (const pid of live(c)) signal(pid, 'SIGTERM');
    }
    await waitGone(5000);
    for (const c of started) {
      refreshTree(c);
      signalGroup(c, 'SIGKILL');
      for (const pid of live(c)) signal(pid, 'SIGKILL');
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const left = remaining();
  started.length = 0;
  return { left, forced, seconds: (Date.now() - begun) / 1000 };
}

/** The last lines of a component's log, for a failure message. */
export function logTail(c: Component, lines = 60): string {
  try {
    return readFileSync(c.logFile, 'utf8').split('\n').slice(-lines).join('\n');
  } catch (err) {
    return `(no log: ${String(err)})`;
  }
}
