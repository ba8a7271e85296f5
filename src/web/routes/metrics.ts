/** /metrics for Prometheus, rendered by src/observe/metrics.ts. */
import { renderMetrics } from '../../observe/metrics.ts';
import type { Runtime } from '../../runtime.ts';
import type { Route } from '../http.ts';

export function metricsRoute(rt: Runtime): Route {
  return {
    path: '/metrics',
    handle: async () => {
      const m = await renderMetrics(rt);
      return { status: 200, headers: { 'content-type': m.contentType, 'cache-control': 'no-store' }, body: m.body };
    },
  };
}
