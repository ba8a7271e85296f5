/**
 * /metrics for Prometheus, rendered by src/observe/metrics.ts. Until that module is merged the
 * placeholder makes this route answer 501; the merge replaces the one import line below with
 * `import { renderMetrics } from '../../observe/metrics.ts';` and nothing else.
 */
import { renderMetricsPlaceholder as renderMetrics } from '../observe-contract.ts';
import { NotAvailableError, type RenderMetrics } from '../observe-contract.ts';
import { HttpError, type Route } from '../http.ts';
import type { Runtime } from '../../runtime.ts';

export function metricsRoute(rt: Runtime, render: RenderMetrics = renderMetrics): Route {
  return {
    path: '/metrics',
    handle: async () => {
      try {
        const m = await render(rt);
        return { status: 200, headers: { 'content-type': m.contentType, 'cache-control': 'no-store' }, body: m.body };
      } catch (err) {
        if (err instanceof NotAvailableError) throw new HttpError(501, 'not_implemented', err.message);
        throw err;
      }
    },
  };
}
