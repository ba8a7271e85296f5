/** Loads the project's SQL files (sql/**.sql) once each; SQL never lives in TypeScript strings. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const sqlRoot = join(import.meta.dirname, '..', 'sql');
const cache = new Map<string, string>();

/** Text of sql/<name>.sql, e.g. sql('transform/clean_insert_hours'). */
export function sql(name: string): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(join(sqlRoot, `${name}.sql`), 'utf8');
    cache.set(name, text);
  }
  return text;
}
