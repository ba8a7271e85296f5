/**
 * /api/alerts: the alerts table, read by src/observe/alerts.ts. Until that module is merged the
 * placeholder answers an empty list; the merge replaces the one import line below with
 * `import { listAlerts } from '../../observe/alerts.ts';` and nothing else (the parameter's type
 * checks that the real function has the agreed signature).
 */
import { listAlertsPlaceholder as listAlerts } from '../observe-contract.ts';
import type { ListAlerts } from '../observe-contract.ts';
import { choiceParam, intParam, json, type Route } from '../http.ts';
import type { Queryable } from '../../warehouse/port.ts';

export function alertsRoute(db: Queryable, list: ListAlerts = listAlerts): Route {
  return {
    path: '/api/alerts',
    handle: async ({ url }) =>
      json(
        await list(db, {
          state: choiceParam(url, 'state', ['open', 'resolved', 'all'] as const, 'open'),
          limit: intParam(url, 'limit', 1, 1000, 50),
        }),
      ),
  };
}
