/** /api/alerts: the alerts table (src/observe/alerts.ts), newest first, each with a line a person reads. */
import { type AlertRow, listAlerts } from '../../observe/alerts.ts';
import type { Queryable } from '../../warehouse/port.ts';
import { choiceParam, intParam, json, type Route } from '../http.ts';

export interface AlertReply extends AlertRow {
  /** What crossed which limit, e.g. "late ratio 0.2300 in the hour 2026-03-01T10:00:00Z is above 0.1". */
  message: string;
}

export function describeAlert(a: AlertRow): string {
  switch (a.rule) {
    case 'late_ratio':
      return `late ratio ${a.value.toFixed(4)} in the hour ${a.key} is above ${a.threshold}`;
    case 'freshness':
      return `the newest counted event is ${Math.round(a.value)} s old, more than ${a.threshold} s`;
    case 'dead_letter_ratio':
      return `dead letters are ${a.value.toFixed(4)} of the last hour's records, above ${a.threshold}`;
  }
}

export function alertsRoute(db: Queryable): Route {
  return {
    path: '/api/alerts',
    handle: async ({ url }) => {
      const rows = await listAlerts(db, {
        state: choiceParam(url, 'state', ['open', 'resolved', 'all'] as const, 'open'),
        limit: intParam(url, 'limit', 1, 1000, 50),
      });
      return json(rows.map((a): AlertReply => ({ ...a, message: describeAlert(a) })));
    },
  };
}
