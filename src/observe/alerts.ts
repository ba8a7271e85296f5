/**
 * Alerts are rows in the warehouse (table `alerts`, migration 0007), so every process sees the same ones
 * and two processes evaluating at once fire each alert once (the insert that wins fires it). Three rules:
 *
 * - late_ratio: an event hour of hourly_metrics with at least `lateMinTransactions` transactions and a
 *   late ratio above `lateRatio`. Key: the event hour.
 * - freshness: the newest event counted in hourly_metrics is older than `freshnessSeconds`.
 * - dead_letter_ratio: more than `deadLetterRatio` of the records received in the last hour (at least
 *   `deadLetterMinRecords` of them) were dead letters.
 *
 * freshness and dead_letter_ratio are about the whole pipeline: an episode is one alert, keyed by the
 * UTC hour it started in, open until the condition clears, however many hours that takes. An alert
 * fires once per rule and key: while it is open, evaluations fire nothing new; once resolved, the same
 * key does not fire again (the next episode of a pipeline-wide rule, in a later hour, has a new key).
 */
import { sql } from '../sql.ts';
import type { AlertSettings } from '../config.ts';
import type { Queryable } from '../warehouse/port.ts';
import type { ConsumerKey } from '../warehouse/consumer-offsets.ts';
import type { Logger } from './logger.ts';
import { readLatestHour } from './latest-hour.ts';

export const ALERT_RULES = ['late_ratio', 'freshness', 'dead_letter_ratio'] as const;
export type AlertRule = (typeof ALERT_RULES)[number];

/** One alert as stored; every time is RFC 3339 UTC. */
export interface AlertRow {
  rule: AlertRule;
  /** The event hour (late_ratio) or the hour the episode started (freshness, dead_letter_ratio). */
  key: string;
  /** late_ratio: the event hour; null for the pipeline-wide rules. */
  event_hour: string | null;
  /** The rule's measure when it fired: a ratio, or an age in seconds. */
  value: number;
  /** The limit it was above. */
  threshold: number;
  state: 'open' | 'resolved';
  fired_at: string;
  resolved_at: string | null;
}

export type AlertRules = Omit<AlertSettings, 'webhookUrl'>;

/** An alert that fired or resolved in an evaluation, with the line that says so. */
export interface AlertChange {
  change: 'fired' | 'resolved';
  alert: AlertRow;
  message: string;
}

export interface EvaluateOptions {
  rules: AlertRules;
  /** Whose positions count the records received (the dead-letter rule). */
  consumer: ConsumerKey;
  /** The evaluation's clock; the database's by default (tests move it). */
  now?: Date;
  /** Gets one line per change: warn when an alert fires, info when it resolves. */
  logger?: Logger;
}

/**
 * Evaluates every rule once: fires the alerts whose condition holds and that have not fired, resolves the
 * open ones whose condition cleared. Returns the changes, fired before resolved per rule.
 */
export async function evaluateAlerts(db: Queryable, o: EvaluateOptions): Promise<AlertChange[]> {
  const now = o.now?.toISOString() ?? null;
  const changes = [...(await lateRatio(db, o.rules, now)), ...(await freshness(db, o.rules, now)), ...(await deadLetters(db, o, now))];
  for (const c of changes) {
    const fields = { alert: c.alert };
    if (c.change === 'fired') o.logger?.warn(c.message, fields);
    else o.logger?.info(c.message, fields);
  }
  return changes;
}

/** Alerts newest first: the open ones by default. */
export async function listAlerts(db: Queryable, options: { state?: 'open' | 'resolved' | 'all'; limit?: number } = {}): Promise<AlertRow[]> {
  const state = options.state ?? 'open';
  return db.query<AlertRow>(sql('alerts/list'), [state === 'all' ? null : state, options.limit ?? 1000]);
}

const ratioText = (r: number) => `${(r * 100).toFixed(2)} %`;

async function lateRatio(db: Queryable, rules: AlertRules, now: string | null): Promise<AlertChange[]> {
  const params = [rules.lateRatio, rules.lateMinTransactions, now];
  const fired = await db.query<AlertRow>(sql('alerts/fire_late_ratio'), params);
  const resolved = await db.query<AlertRow>(sql('alerts/resolve_late_ratio'), params);
  const over = `hours of at least ${rules.lateMinTransactions} transactions`;
  return [
    ...fired.map((alert) => ({
      change: 'fired' as const,
      alert,
      message: `alert late_ratio fired for event hour ${alert.key}: ${ratioText(alert.value)} of its transactions are late, above ${ratioText(alert.threshold)} (${over})`,
    })),
    ...resolved.map((alert) => ({
      change: 'resolved' as const,
      alert,
      message: `alert late_ratio resolved for event hour ${alert.key}: its late ratio is no longer above ${ratioText(rules.lateRatio)} (${over})`,
    })),
  ];
}

async function freshness(db: Queryable, rules: AlertRules, now: string | null): Promise<AlertChange[]> {
  const latest = rules.freshnessSeconds > 0 ? await readLatestHour(db, now) : null;
  const age = latest?.freshness_seconds ?? null;
  // No counted event yet is no staleness to report; a rule turned off (0) resolves what it opened.
  if (age !== null && age > rules.freshnessSeconds) {
    return fireEpisode(
      db,
      'freshness',
      age,
      rules.freshnessSeconds,
      now,
      (a) =>
        `alert freshness fired: the newest event counted in hourly_metrics (${latest!.newest_event_time}) is ${Math.round(a.value)} s old, above ${a.threshold} s`,
    );
  }
  return resolveEpisode(db, 'freshness', now, () =>
    age === null
      ? 'alert freshness resolved: the rule is off or nothing is counted in hourly_metrics'
      : `alert freshness resolved: the newest event counted in hourly_metrics is ${Math.round(age)} s old`,
  );
}

async function deadLetters(db: Queryable, o: EvaluateOptions, now: string | null): Promise<AlertChange[]> {
  const [w] = await db.query<{ since: string | null; records: string | null; dead_letters: string }>(sql('alerts/dead_letter_window'), [
    o.consumer.group,
    o.consumer.topic,
    now,
  ]);
  // The first sample starts the window: nothing to compare yet, so nothing changes.
  if (!w || w.since === null || w.records === null) return [];
  const records = Number(w.records);
  const dead = Number(w.dead_letters);
  const ratio = records > 0 ? dead / records : 0;
  const what = (r: number) => `${ratioText(r)} of the ${records} records received since ${w.since} were dead letters (${dead})`;
  if (records >= o.rules.deadLetterMinRecords && ratio > o.rules.deadLetterRatio) {
    return fireEpisode(
      db,
      'dead_letter_ratio',
      ratio,
      o.rules.deadLetterRatio,
      now,
      (a) => `alert dead_letter_ratio fired: ${what(a.value)}, above ${ratioText(a.threshold)}`,
    );
  }
  return resolveEpisode(db, 'dead_letter_ratio', now, () => `alert dead_letter_ratio resolved: ${what(ratio)}`);
}

async function fireEpisode(
  db: Queryable,
  rule: AlertRule,
  value: number,
  threshold: number,
  now: string | null,
  message: (a: AlertRow) => string,
): Promise<AlertChange[]> {
  const rows = await db.query<AlertRow>(sql('alerts/fire_episode'), [rule, value, threshold, now]);
  return rows.map((alert) => ({ change: 'fired', alert, message: message(alert) }));
}

async function resolveEpisode(db: Queryable, rule: AlertRule, now: string | null, message: () => string): Promise<AlertChange[]> {
  const rows = await db.query<AlertRow>(sql('alerts/resolve_episode'), [rule, now]);
  return rows.map((alert) => ({ change: 'resolved', alert, message: message() }));
}
