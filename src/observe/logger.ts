/**
 * Scoped, levelled log lines on stderr, so a line tells where it came from:
 * `2026-11-27T02:40:00.123Z info  ingest: applied 5000 records …`. stdout stays for command output.
 */
export type Level = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const rank: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  child(scope: string): Logger;
}

export function createLogger(level: Level = 'info', scope = 'txpipe', write: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Logger {
  const min = rank[level];
  const at = (l: Exclude<Level, 'silent'>) => (msg: string) => {
    if (rank[l] >= min) write(`${new Date().toISOString()} ${l.padEnd(5)} ${scope}: ${msg}`);
  };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (s) => createLogger(level, `${scope}.${s}`, write),
  };
}

export const silentLogger: Logger = createLogger('silent');
