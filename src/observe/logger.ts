/**
 * Scoped, levelled log lines on stderr, through pino, so a line tells where it came from; stdout stays
 * for command output. Two forms of the same record:
 *
 *   json    {"level":"info","time":"2026-11-27T02:40:00.123Z","pid":…,"hostname":…,"scope":"txpipe.ingest","msg":"applied …"}
 *   pretty  [2026-11-27T02:40:00.123Z] INFO: txpipe.ingest: applied …
 *
 * one object (or line) per record. `TXPIPE_LOG_FORMAT` chooses; by default pretty on a terminal and JSON
 * otherwise (a file, a pipe, a log collector). Writes are synchronous (stderr is on Linux), so nothing
 * is lost to `process.exit` or a crash right after a line.
 */
import { pino, type Logger as PinoLogger } from 'pino';
import { prettyFactory } from 'pino-pretty';
import { MASK, redact } from './redact.ts';

/** Structured fields never written, at any depth pino's redact reaches (the line is masked by redact() too). */
const SECRET_FIELDS = [
  'password',
  'token',
  'apiKey',
  'api_key',
  'authorization',
  'secret',
  'sasl.password',
  'headers.authorization',
  '*.password',
  '*.token',
  '*.apiKey',
  '*.authorization',
];

export type Level = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type LogFormat = 'json' | 'pretty';

/** Extra structured fields of a record: kept in the JSON form, left out of the pretty one. */
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger for a part of this one's component: scope `<this scope>.<scope>`. */
  child(scope: string): Logger;
}

/** The default form: pretty for a person at a terminal, JSON for everything else. */
export function defaultLogFormat(stream: { isTTY?: boolean } = process.stderr): LogFormat {
  return stream.isTTY ? 'pretty' : 'json';
}

/**
 * A logger for `scope`. Lines go to stderr, or to `write` (one call per line, without the newline: the
 * demo keeps them for its live view). `format` defaults to the terminal rule for stderr and to pretty
 * (uncoloured) for `write`.
 */
export function createLogger(
  level: Level = 'info',
  scope = 'txpipe',
  write?: (line: string) => void,
  format: LogFormat = write ? 'pretty' : defaultLogFormat(),
): Logger {
  const colorize = !write && format === 'pretty' && !!process.stderr.isTTY;
  const render = format === 'pretty' ? prettyLine(colorize) : (line: string) => line;
  // Every line is masked once it is whole (message, fields, an error's stack): see redact.ts.
  const emit = write
    ? (line: string) => write(redact(render(line).replace(/\n$/, '')))
    : (line: string) => process.stderr.write(redact(render(line)));
  const root = pino(
    {
      level,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: SECRET_FIELDS, censor: MASK },
    },
    { write: emit },
  );
  return wrap(root, scope);
}

function wrap(root: PinoLogger, scope: string): Logger {
  // Every child hangs off the root with its whole scope: nested pino children would repeat the key.
  const p = root.child({ scope });
  return {
    debug: (msg, fields) => (fields ? p.debug(fields, msg) : p.debug(msg)),
    info: (msg, fields) => (fields ? p.info(fields, msg) : p.info(msg)),
    warn: (msg, fields) => (fields ? p.warn(fields, msg) : p.warn(msg)),
    error: (msg, fields) => (fields ? p.error(fields, msg) : p.error(msg)),
    child: (s) => wrap(root, `${scope}.${s}`),
  };
}

function prettyLine(colorize: boolean): (line: string) => string {
  return prettyFactory({
    colorize,
    translateTime: "UTC:yyyy-mm-dd'T'HH:MM:ss.l'Z'",
    ignore: 'pid,hostname,scope',
    messageFormat: '{scope}: {msg}',
    hideObject: true,
  });
}

export const silentLogger: Logger = createLogger('silent', 'txpipe', () => {});
