/**
 * The search-engine line `services:up` prints after its URLs (scripts/services/lib.sh
 * search_engine_export), for a list of services, without starting anything.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './cli.ts';

export function searchEngineExport(services: string[] = []): string {
  const lib = join(repoRoot, 'scripts', 'services', 'lib.sh');
  return execFileSync('bash', ['-c', 'set -euo pipefail; source "$0"; select_services "$@"; search_engine_export', lib, ...services], {
    encoding: 'utf8',
  });
}

/** The value of TXPIPE_SEARCH_ENGINE that `eval "$(npm run -s services:up <services>)"` leaves. */
export function exportedSearchEngine(services: string[] = []): string | undefined {
  return /^export TXPIPE_SEARCH_ENGINE=(\w+)\n$/.exec(searchEngineExport(services))?.[1];
}
