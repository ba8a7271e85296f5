/**
 * How PostgreSQL values come back to JavaScript, the same for `pg` and PGlite:
 * `timestamp` stays text (UTC by convention; turning it into a Date would apply the process's TZ),
 * numeric and int8 stay text (exact), timestamptz becomes an ISO string.
 */
import pg from 'pg';

const TIMESTAMP = 1114;
const TIMESTAMPTZ = 1184;
const NUMERIC = 1700;
const INT8 = 20;

const identity = (v: string) => v;
const isoFromTimestamptz = (v: string) => new Date(v.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00')).toISOString();

export const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): (v: string) => unknown {
    if (oid === TIMESTAMP || oid === NUMERIC || oid === INT8) return identity;
    if (oid === TIMESTAMPTZ) return isoFromTimestamptz;
    return pg.types.getTypeParser(oid, format ?? 'text') as (v: string) => unknown;
  },
};

/** The same choices as PGlite `parsers` (keyed by type oid). */
export const pgliteParsers: Record<number, (v: string) => unknown> = {
  [TIMESTAMP]: identity,
  [TIMESTAMPTZ]: isoFromTimestamptz,
  [NUMERIC]: identity,
  [INT8]: identity,
};
