/**
 * The engine-independent half of a SearchIndex: index lifecycle (template, retention policy, pruning),
 * upsert with retention and bulk retries, readAll. The Elasticsearch and OpenSearch adapters extend
 * MonthlySearchIndex and supply only the client calls (the abstract `engine*` methods).
 *
 * Layout and retention rule: see documents.ts. In short: `<name>-YYYY.MM` monthly indices from
 * event_hour, all behind the alias `<name>`, _id = event_hour; ensure() and upsert() delete monthly
 * indices whose whole month is older than (newest event_hour known - retentionDays), and upsert()
 * skips (and reports in BulkResult.skipped, plus one log line) documents older than that horizon.
 */
import { readFileSync } from 'node:fs';
import { redact, redactUrl } from '../observe/redact.ts';
import type { BulkResult, HourlyMetricsDoc, SearchIndex } from './port.ts';
import type { SearchSettings } from '../config.ts';
import {
  expiredMonthlyIndices,
  formatEventHour,
  fromSource,
  indexPattern,
  parseEventHour,
  prepareDocuments,
  prepareRemovals,
  retentionPolicyId,
  splitByRetention,
  type BulkLine,
} from './documents.ts';
import { indexTemplateBody, type IndexTemplateBody } from './lifecycle.ts';
import { DEFAULT_RETRY, writeBulk, type RetryPolicy } from './bulk.ts';

export interface SearchIndexOptions {
  /** Base URL of the cluster, e.g. http://127.0.0.1:9200. */
  url: string;
  /** Alias the pipeline writes through and dashboards read (default hourly_metrics); also the name prefix. */
  index: string;
  /** Retention by event time, in days (>= 1). */
  retentionDays: number;
  /** Elasticsearch only: API key (sent as `Authorization: ApiKey …`); wins over username/password. */
  apiKey?: string;
  username?: string;
  password?: string;
  /** Verify the server's TLS certificate (default true). */
  rejectUnauthorized?: boolean;
  /** CA certificate(s), PEM, that sign the server's certificate (an https URL with a private CA). */
  ca?: Buffer;
  /** number_of_replicas of the monthly indices (default 0: single-node friendly). */
  replicas?: number;
  /** One line per event worth telling (warnings, retries, pruning, skipped docs). Default: stderr. */
  logger?: (line: string) => void;
  /** Bulk retry policy (default 5 tries, 200ms doubling). */
  retry?: Partial<RetryPolicy>;
  /** Per-request timeout of the client, ms (default 30000). */
  requestTimeoutMs?: number;
}

/** Options from validated settings (config.ts) plus a logger. */
export function optionsFromSettings(settings: SearchSettings, logger?: (line: string) => void): SearchIndexOptions {
  return {
    url: settings.url,
    index: settings.index,
    retentionDays: settings.retentionDays,
    apiKey: settings.apiKey,
    username: settings.username,
    password: settings.password,
    rejectUnauthorized: settings.rejectUnauthorized,
    ca: settings.caFile ? readCaFile(settings.caFile) : undefined,
    logger,
  };
}

const stderrLogger = (line: string): void => {
  process.stderr.write(redact(`search: ${line}\n`));
};

export interface SearchPageRequest {
  /** Always the alias `<name>`. */
  index: string;
  body: {
    size: number;
    sort: { event_hour: { order: 'asc' | 'desc' } }[];
    search_after?: unknown[];
    track_total_hits: false;
    query: { match_all: Record<string, never> };
  };
}

export interface SearchHit {
  _source?: Record<string, unknown>;
  sort?: unknown[];
}

/** Page size of readAll (search_after pagination, so the total may exceed 10,000). */
export const READ_PAGE_SIZE = 1000;

export abstract class MonthlySearchIndex implements SearchIndex {
  abstract readonly kind: 'elasticsearch' | 'opensearch';
  readonly name: string;
  readonly url: string;
  protected readonly retentionDays: number;
  protected readonly replicas: number;
  protected readonly retry: RetryPolicy;
  protected readonly log: (line: string) => void;
  #ensured = false;

  constructor(options: SearchIndexOptions) {
    if (!/^[a-z0-9][a-z0-9._-]*$/.test(options.index)) {
      throw new RangeError(`search index name must be lowercase [a-z0-9._-], got ${JSON.stringify(options.index)}`);
    }
    if (!Number.isInteger(options.retentionDays) || options.retentionDays < 1) {
      throw new RangeError(`retentionDays must be an integer >= 1, got ${options.retentionDays}`);
    }
    const replicas = options.replicas ?? 0;
    if (!Number.isInteger(replicas) || replicas < 0) throw new RangeError(`replicas must be an integer >= 0, got ${replicas}`);
    this.name = options.index;
    this.url = redactUrl(options.url);
    this.retentionDays = options.retentionDays;
    this.replicas = replicas;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.log = options.logger ?? stderrLogger;
  }

  /** Puts the retention policy if the server supports it; returns the ILM policy name to set in the template, if any. */
  protected abstract engineEnsureRetentionPolicy(): Promise<{ ilmPolicy?: string }>;
  protected abstract enginePutIndexTemplate(name: string, body: IndexTemplateBody): Promise<void>;
  /** Concrete index names matching `pattern` (a name, alias or wildcard); [] when none. */
  protected abstract engineListIndices(pattern: string): Promise<string[]>;
  protected abstract engineDeleteIndices(indices: string[]): Promise<void>;
  /** Sends one bulk request; resolves to the response body. */
  protected abstract engineBulk(lines: BulkLine[]): Promise<unknown>;
  /** One search page; [] when the alias does not exist yet. */
  protected abstract engineSearch(request: SearchPageRequest): Promise<SearchHit[]>;
  protected abstract engineRefresh(indices: string[]): Promise<void>;
  abstract close(): Promise<void>;

  async ensure(): Promise<void> {
    const concrete = await this.engineListIndices(this.name);
    if (concrete.includes(this.name)) {
      throw new Error(
        `a concrete index named ${this.name} exists; txpipe needs ${this.name} to be the alias over monthly indices ${this.name}-YYYY.MM: reindex or delete it first`,
      );
    }
    const { ilmPolicy } = await this.engineEnsureRetentionPolicy();
    await this.enginePutIndexTemplate(this.name, indexTemplateBody(this.name, { replicas: this.replicas, ilmPolicy }));
    const newest = await this.newestIndexedMs();
    if (newest !== null) await this.prune(splitByRetention([], this.retentionDays, newest).horizonMs!);
    this.#ensured = true;
  }

  async upsert(docs: readonly HourlyMetricsDoc[]): Promise<BulkResult> {
    const prepared = prepareDocuments(this.name, docs);
    if (prepared.length === 0) return { indexed: 0, failures: [], skipped: [] };
    if (!this.#ensured) await this.ensure();
    const split = splitByRetention(prepared, this.retentionDays, await this.newestIndexedMs());
    const horizon = split.horizonMs!;
    if (split.skipped.length > 0) {
      this.log(
        `skipped ${split.skipped.length} document(s) older than the ${this.retentionDays}-day retention horizon ${formatEventHour(horizon)} ` +
          `(${split.skipped[0]!.id} .. ${split.skipped.at(-1)!.id})`,
      );
    }
    await this.prune(horizon);
    const result = await writeBulk(split.kept, (lines) => this.engineBulk(lines), { retry: this.retry, log: this.log });
    const touched = [...new Set(split.kept.map((d) => d.index))];
    if (touched.length > 0 && result.indexed > 0) await this.engineRefresh(touched);
    return { ...result, skipped: split.skipped.map((d) => d.id) };
  }

  async remove(eventHours: readonly string[]): Promise<BulkResult> {
    const removals = prepareRemovals(this.name, eventHours);
    if (removals.length === 0) return { indexed: 0, failures: [] };
    if (!this.#ensured) await this.ensure();
    const result = await writeBulk(removals, (lines) => this.engineBulk(lines), { retry: this.retry, log: this.log });
    const touched = [...new Set(removals.map((d) => d.index))];
    if (result.indexed > 0) await this.engineRefresh(touched).catch(() => {}); // a month index may not exist
    return result;
  }

  async readAll(): Promise<HourlyMetricsDoc[]> {
    const out: HourlyMetricsDoc[] = [];
    let searchAfter: unknown[] | undefined;
    for (;;) {
      const hits = await this.engineSearch(this.searchRequest('asc', READ_PAGE_SIZE, searchAfter));
      for (const hit of hits) out.push(fromSource(hit._source ?? {}));
      if (hits.length < READ_PAGE_SIZE) return out;
      searchAfter = hits.at(-1)!.sort;
      if (!searchAfter) throw new Error('search hit without sort values: cannot paginate');
    }
  }

  /** Event time of the newest document under the alias, epoch ms; null when there is none. */
  protected async newestIndexedMs(): Promise<number | null> {
    const [hit] = await this.engineSearch(this.searchRequest('desc', 1));
    const eventHour = hit?._source?.event_hour;
    return typeof eventHour === 'string' ? parseEventHour(eventHour) : null;
  }

  /** Deletes the monthly indices whose whole month is older than the horizon. */
  protected async prune(horizonMs: number): Promise<string[]> {
    const expired = expiredMonthlyIndices(this.name, await this.engineListIndices(indexPattern(this.name)), horizonMs);
    if (expired.length > 0) {
      await this.engineDeleteIndices(expired);
      this.log(
        `deleted ${expired.length} monthly index(es) wholly older than the retention horizon ${formatEventHour(horizonMs)}: ${expired.join(', ')}`,
      );
    }
    return expired;
  }

  protected policyId(): string {
    return retentionPolicyId(this.name);
  }

  private searchRequest(order: 'asc' | 'desc', size: number, searchAfter?: unknown[]): SearchPageRequest {
    const body: SearchPageRequest['body'] = {
      size,
      sort: [{ event_hour: { order } }],
      track_total_hits: false,
      query: { match_all: {} },
    };
    if (searchAfter) body.search_after = searchAfter;
    return { index: this.name, body };
  }
}

function readCaFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`SEARCH_TLS_CA_FILE: cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
}
