/**
 * The hourly_metrics mapping, shared by Elasticsearch and OpenSearch: exactly the seed's five fields,
 * `dynamic: 'strict'` so a document with any other field is rejected instead of widening the mapping.
 */

/** Field name -> mapping type, in document order. */
export const HOURLY_METRICS_FIELDS = {
  event_hour: 'date',
  total_transactions: 'integer',
  total_amount: 'double',
  late_transactions: 'integer',
  late_ratio: 'float',
} as const;

export type HourlyMetricsField = keyof typeof HOURLY_METRICS_FIELDS;

export const HOURLY_METRICS_FIELD_NAMES = Object.keys(HOURLY_METRICS_FIELDS) as HourlyMetricsField[];

export interface HourlyMetricsMapping {
  dynamic: 'strict';
  properties: { [F in HourlyMetricsField]: { type: (typeof HOURLY_METRICS_FIELDS)[F] } };
}

/** A fresh copy of the mapping, built from HOURLY_METRICS_FIELDS (callers may hand it to a client that mutates request objects). */
export function hourlyMetricsMapping(): HourlyMetricsMapping {
  const properties = Object.fromEntries(HOURLY_METRICS_FIELD_NAMES.map((f) => [f, { type: HOURLY_METRICS_FIELDS[f] }]));
  return { dynamic: 'strict', properties: properties as HourlyMetricsMapping['properties'] };
}
