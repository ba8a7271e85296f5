/**
 * Flag parsers for commander: each rejects a bad value with one line naming the flag, and the CLI
 * turns that into exit code 2 before anything is opened or written.
 */
import { InvalidArgumentError } from 'commander';
import { epochMsOf, parseTimestamp } from '../events/timestamp.ts';

export function intFlag(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError(`must be an integer, got "${value}"`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`must be between ${min} and ${max}, got ${n}`);
    return n;
  };
}

export function numberFlag(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`must be a number, got "${value}"`);
    if (n < min || n > max) throw new InvalidArgumentError(`must be between ${min} and ${max}, got ${n}`);
    return n;
  };
}

export const ratioFlag = numberFlag(0, 1);

/** An RFC 3339 / ISO 8601 date-time (no offset = UTC), returned as an ISO string in UTC. */
export function isoFlag(value: string): string {
  const ts = parseTimestamp(value);
  if (!ts) throw new InvalidArgumentError(`must be an RFC 3339 date-time such as 2026-01-01T00:00:00Z, got "${value}"`);
  return new Date(epochMsOf(ts)).toISOString();
}

export function choiceFlag<T extends string>(choices: readonly T[]) {
  return (value: string): T => {
    if (!(choices as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(`must be one of ${choices.join(', ')}, got "${value}"`);
    }
    return value as T;
  };
}
