/**
 * One process per embedded data directory: PGlite files opened twice would corrupt.
 * A lock file created exclusively holds the owner's pid; a lock left by a dead process is taken over.
 */
import { mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from '../../config.ts';

export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError';
}

export interface DataDirLock {
  release(): Promise<void>;
}

/** Whether a process with this pid exists (EPERM: it does, owned by another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * mkdir -p, one level at a time: Node's recursive mkdir loops forever where a parent can neither be
 * found nor created (under /proc, say). A directory that cannot be made is the setting's fault.
 */
async function makeDataDir(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let d = resolve(dir); dirname(d) !== d && !(await exists(d)); d = dirname(d)) missing.unshift(d);
  for (const d of missing) {
    try {
      await mkdir(d);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw new ConfigError(`TXPIPE_DATA_DIR: cannot create ${dir} (${code ?? (err as Error).message} at ${d})`);
    }
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

export async function lockDataDir(dir: string): Promise<DataDirLock> {
  await makeDataDir(dir);
  const file = join(dir, 'txpipe.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      let released = false;
      return {
        async release() {
          if (released) return;
          released = true;
          await rm(file, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number.parseInt((await readFile(file, 'utf8').catch(() => '')).trim(), 10);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) {
        throw new DataDirInUseError(
          `data directory ${resolve(dir)} is in use by process ${pid}; stop it, or set TXPIPE_DATA_DIR to another directory`,
        );
      }
      if (pid === process.pid) {
        throw new DataDirInUseError(`data directory ${resolve(dir)} is already open in this process`);
      }
      await rm(file, { force: true }); // stale: its owner is gone
    }
  }
  throw new DataDirInUseError(`could not lock data directory ${resolve(dir)}`);
}
