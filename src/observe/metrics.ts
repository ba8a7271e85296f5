/**
 * `/metrics`: Prometheus text, every family prefixed txpipe_. Two sources, one page:
 *
 * - this process's registry (process-metrics.ts): what it counted itself (records consumed, batches,
 *   its DAG runs and tasks, documents indexed, alerts fired) and the Node.js process metrics;
 * - the warehouse (and the topic's end offsets), read at each scrape, so any process reports them
 *   whoever did the work: consumer lag per partition, table rows, pending hours, freshness, the latest
 *   hour's late ratio, open alerts, the recorded DAG runs.
 *
 * When the warehouse cannot be read the page still answers, with txpipe_warehouse_up 0 and without
 * the values it would have given.
 */
import { Gauge, Registry } from 'prom-client';
import type { Runtime } from '../runtime.ts';
import { sql } from '../sql.ts';
import { readStatus } from '../status.ts';
import { DAG_ID } from '../dag/constants.ts';
import { readRecentRuns } from '../dag/run-history.ts';
import { ALERT_RULES } from './alerts.ts';
import { readLatestHour } from './latest-hour.ts';
import { observe } from './observer.ts';
import { PREFIX } from './process-metrics.ts';
import { readResults } from '../quality/results.ts';

/** txpipe_quality_check_status: each status as a number, so an alert rule can say `> 1`. */
const STATUS_VALUE = { pass: 0, warn: 1, fail: 2 } as const;

export async function renderMetrics(rt: Runtime): Promise<{ contentType: string; body: string }> {
  const own = observe(rt).metrics.registry;
  const scraped = await scrapeWarehouse(rt);
  const page = Registry.merge([own, scraped]);
  return { contentType: page.contentType, body: await page.metrics() };
}

interface Family {
  name: string;
  help: string;
  samples: { labels?: Record<string, string>; value: number }[];
}

/** A fresh registry holding what the warehouse says now: only values it gave (no made-up zeros). */
async function scrapeWarehouse(rt: Runtime): Promise<Registry> {
  const families: Family[] = [];
  let up = 1;
  try {
    families.push(...(await readWarehouseFamilies(rt)));
  } catch (err) {
    // Nothing half-read: a partial page would look like real values.
    rt.logger.child('metrics').debug(`scrape could not read the warehouse or the topic: ${(err as Error).message}`);
    up = 0;
  }
  families.unshift({
    name: 'warehouse_up',
    help: '1 when this scrape read the warehouse and the topic, 0 when it could not (the values read from them are then absent).',
    samples: [{ value: up }],
  });
  const registry = new Registry();
  for (const f of families) {
    if (f.samples.length === 0) continue;
    const labelNames = Object.keys(f.samples[0]!.labels ?? {});
    const gauge = new Gauge({ name: `${PREFIX}${f.name}`, help: f.help, labelNames, registers: [registry] });
    for (const s of f.samples) {
      if (s.labels) gauge.set(s.labels, s.value);
      else gauge.set(s.value);
    }
  }
  return registry;
}

async function readWarehouseFamilies(rt: Runtime): Promise<Family[]> {
  const [status, latest, openRows, runRows, [last], quality] = await Promise.all([
    readStatus(rt),
    readLatestHour(rt.warehouse),
    rt.warehouse.query<{ rule: string; open: number }>(sql('metrics/open_alerts')),
    rt.warehouse.query<{ state: string; runs: number; last_ended_at: number | null }>(sql('metrics/dag_runs'), [DAG_ID]),
    readRecentRuns(rt.warehouse, { limit: 1 }),
    readResults(rt.warehouse),
  ]);
  const one = (value: number | null | undefined) => (value === null || value === undefined ? [] : [{ value }]);
  return [
    {
      name: 'consumer_lag',
      help: "Records in the topic beyond the consumer group's stored position, per partition.",
      samples: status.consumer.partitions.map((p) => ({ labels: { partition: String(p.partition) }, value: p.lag })),
    },
    {
      name: 'table_rows',
      help: 'Rows in the pipeline tables.',
      samples: (
        [
          ['transactions', status.raw_transactions],
          ['transactions_clean', status.clean_transactions],
          ['hourly_metrics', status.hourly_metrics],
          ['dead_letters', status.dead_letters],
          ['duplicate_events', status.duplicates],
        ] as const
      ).map(([table, value]) => ({ labels: { table }, value })),
    },
    {
      name: 'pending_hours',
      help: 'Event hours waiting for the next DAG run, per stage.',
      samples: Object.entries(status.pending_hours).map(([stage, value]) => ({ labels: { stage }, value })),
    },
    {
      name: 'freshness_seconds',
      help: 'Age of the newest event counted in hourly_metrics (absent while it holds no hour).',
      samples: one(latest?.freshness_seconds),
    },
    {
      name: 'latest_hour_late_ratio',
      help: "late_ratio of the newest event hour in hourly_metrics up to now: the current hour's while events flow.",
      samples: one(latest?.late_ratio),
    },
    { name: 'latest_hour_transactions', help: 'total_transactions of that hour.', samples: one(latest?.total_transactions) },
    {
      name: 'latest_hour_timestamp_seconds',
      help: 'Start of that hour (Unix time).',
      samples: one(latest ? Date.parse(latest.event_hour) / 1000 : null),
    },
    {
      name: 'alerts_open',
      help: 'Alerts open now, per rule.',
      samples: ALERT_RULES.map((rule) => ({ labels: { rule }, value: openRows.find((r) => r.rule === rule)?.open ?? 0 })),
    },
    {
      name: 'dag_runs_recorded',
      help: 'Runs of process_kafka_to_postgres recorded in dag_runs (by any process, Airflow included), per state.',
      samples: runRows.map((r) => ({ labels: { state: r.state }, value: r.runs })),
    },
    {
      name: 'dag_last_run_end_timestamp_seconds',
      help: 'When the newest recorded run in each state ended (Unix time).',
      samples: runRows.filter((r) => r.last_ended_at !== null).map((r) => ({ labels: { state: r.state }, value: r.last_ended_at! })),
    },
    {
      name: 'dag_last_run_duration_seconds',
      help: 'Duration of the newest recorded run (so far, while it runs), labelled with its state.',
      samples: last ? [{ labels: { state: last.state }, value: last.duration_seconds }] : [],
    },
    {
      name: 'dag_last_run_task_duration_seconds',
      help: "Duration of each task's last try in the newest recorded run, labelled with its state.",
      samples: (last?.tasks ?? []).map((t) => ({ labels: { task: t.task_id, state: t.state }, value: t.duration_seconds })),
    },
    {
      name: 'quality_check_status',
      help: 'Each data-quality check in the latest run of the checks: 0 pass, 1 warn (failed, severity warn), 2 fail (failed, severity error: indexing held back).',
      samples: quality.map((r) => ({ labels: { check: r.name, severity: r.severity }, value: STATUS_VALUE[r.status] })),
    },
    {
      name: 'quality_check_observed',
      help: 'What each data-quality check measured in that run (failing rows, seconds, a ratio, a robust z-score); absent when it had nothing to measure.',
      samples: quality.filter((r) => r.observed !== null).map((r) => ({ labels: { check: r.name }, value: r.observed! })),
    },
    {
      name: 'quality_indexing_held',
      help: '1 while a failed error check of the latest run of the checks holds indexing back, else 0 (absent before the first run of the checks).',
      samples: quality.length > 0 ? [{ value: quality.some((r) => r.status === 'fail') ? 1 : 0 }] : [],
    },
    {
      name: 'quality_last_check_timestamp_seconds',
      help: 'When the checks last ran (Unix time).',
      samples: quality.length > 0 ? [{ value: Date.parse(quality[0]!.checked_at) / 1000 }] : [],
    },
  ];
}
