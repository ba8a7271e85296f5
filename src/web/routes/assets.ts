/**
 * The dashboard: one HTML page, one stylesheet, one script module of its own, and uPlot's files served
 * from the installed package (node_modules/uplot/dist, found by module resolution). Everything ships
 * in the package and comes from txpipe itself: no CDN, so it works offline. Only the files listed
 * here are served; nothing is looked up from the request path.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Reply, Route } from '../http.ts';

const here = join(import.meta.dirname, '..', 'assets');
const require = createRequire(import.meta.url);

const HTML = 'text/html; charset=utf-8';
const CSS = 'text/css; charset=utf-8';
const JS = 'text/javascript; charset=utf-8';

/** URL path → file and type. */
const FILES: Record<string, [file: string, type: string]> = {
  '/': [join(here, 'index.html'), HTML],
  '/assets/dashboard.css': [join(here, 'dashboard.css'), CSS],
  '/assets/dashboard.js': [join(here, 'dashboard.js'), JS],
  '/assets/uplot/uPlot.esm.js': [require.resolve('uplot/dist/uPlot.esm.js'), JS],
  '/assets/uplot/uPlot.min.css': [require.resolve('uplot/dist/uPlot.min.css'), CSS],
};

export function assetRoutes(): Route[] {
  return Object.entries(FILES).map(([path, [file, type]]) => {
    // Read once, when the server starts: a missing file fails `serve` at once, not a visitor later.
    const body = readFileSync(file);
    const reply: Reply = { status: 200, headers: { 'content-type': type, 'cache-control': 'no-cache' }, body };
    return { path, handle: async () => reply };
  });
}
