/**
 * The embedded data directory watched from outside. PGlite opens a data directory in one process only
 * (warehouse/pglite/data-dir-lock.ts), so while `ingest --follow`, `demo` or `serve` holds it, the
 * others could not even read it. The holder serves its API on a local port and writes where it is
 * next to the lock file (txpipe.api.json: pid and URL, never the token); a read-only command that
 * finds the directory in use asks that process instead of failing.
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { processAlive } from '../warehouse/pglite/data-dir-lock.ts';

const RECORD = 'txpipe.api.json';
/** The lock file's name in warehouse/pglite/data-dir-lock.ts: the holder's pid. */
const LOCK = 'txpipe.lock';

export interface LocalApiRecord {
  pid: number;
  /** Base URL on a loopback address, e.g. http://127.0.0.1:40123/ */
  url: string;
  started_at: string;
}

/** Writes the record (atomically: a reader never sees half of it); the returned function removes it. */
export async function recordLocalApi(dataDir: string, url: string): Promise<() => Promise<void>> {
  const record: LocalApiRecord = { pid: process.pid, url, started_at: new Date().toISOString() };
  const file = join(dataDir, RECORD);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(record)}\n`, { mode: 0o600 });
  await rename(tmp, file);
  let removed = false;
  return async () => {
    if (removed) return;
    removed = true;
    // Only our own: a later holder may have written its record since.
    if ((await readRecord(file))?.pid === process.pid) await rm(file, { force: true });
  };
}

/** The local API of the process holding the data directory, or null when there is none that is alive. */
export async function findLocalApi(dataDir: string): Promise<LocalApiRecord | null> {
  const record = await readRecord(join(dataDir, RECORD));
  if (!record || record.pid === process.pid || !processAlive(record.pid)) return null;
  const holder = Number.parseInt((await readFile(join(dataDir, LOCK), 'utf8').catch(() => '')).trim(), 10);
  return holder === record.pid ? record : null; // a record left by an earlier holder that died
}

async function readRecord(file: string): Promise<LocalApiRecord | null> {
  try {
    const r = JSON.parse(await readFile(file, 'utf8')) as Partial<LocalApiRecord>;
    return Number.isInteger(r.pid) && typeof r.url === 'string' ? (r as LocalApiRecord) : null;
  } catch {
    return null;
  }
}
