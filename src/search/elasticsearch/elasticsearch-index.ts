/**
 * SearchIndex on Elasticsearch 8/9 through @elastic/elasticsearch. Thin: the shared logic is in
 * MonthlySearchIndex; this file only maps it to client calls. Retention policy: ILM policy
 * `<name>-retention` (delete phase) named by the template's `index.lifecycle.name`; where ILM is not
 * available (see ilmUnavailable) one warning line is logged, the template goes without the setting, and
 * txpipe's own event-time pruning is the only retention.
 */
import { Transport, type TransportOptions } from '@elastic/transport';
import { Client } from '@elastic/elasticsearch';
import type { BulkLine } from '../documents.ts';
import { ilmPolicyBody } from '../lifecycle.ts';
import type { IndexTemplateBody } from '../lifecycle.ts';
import { errorStatus } from '../bulk.ts';
import { MonthlySearchIndex, type SearchHit, type SearchIndexOptions, type SearchPageRequest } from '../monthly-index.ts';

interface ErrorBody {
  error?: string | { type?: unknown; reason?: unknown };
}

/**
 * Why a refused `PUT _ilm/policy/…` means "this cluster has no ILM" rather than a real error, or
 * undefined when it does not:
 * - 404 or 410: the endpoint is gone;
 * - 400 `api_not_available_exception`: Elastic's serverless projects;
 * - 400 `{"error":"no handler found for uri [/_ilm/policy/…] and method [PUT]"}`: a distribution
 *   without the ILM module, where no REST handler matches the path (Elastic's integ-test-zip, the
 *   Elasticsearch the tests run; a plain-text body of the same words from older servers too).
 * Any other 400 (a policy the server refuses) is an error.
 */
export function ilmUnavailable(err: unknown): string | undefined {
  const status = errorStatus(err);
  if (status === 404 || status === 410) return String(status);
  if (status !== 400) return undefined;
  const body = (err as { body?: unknown }).body;
  const error = typeof body === 'object' && body !== null ? (body as ErrorBody).error : undefined;
  if (typeof error === 'object' && error?.type === 'api_not_available_exception') return '400 api_not_available_exception';
  const text = typeof error === 'string' ? error : typeof body === 'string' ? body : '';
  if (/^no handler found for uri/i.test(text)) return '400 no handler found';
  return undefined;
}

/**
 * The 9.x client asks for `compatible-with=9`, which Elasticsearch 8 refuses (media_type_header_exception).
 * `compatible-with=8` is accepted by 8.x as its own version and by 9.x through REST API compatibility,
 * so one client serves both majors.
 */
class Compat8Transport extends Transport {
  constructor(options: TransportOptions) {
    super({
      ...options,
      vendoredHeaders: {
        jsonContentType: 'application/vnd.elasticsearch+json; compatible-with=8',
        ndjsonContentType: 'application/vnd.elasticsearch+x-ndjson; compatible-with=8',
        accept: 'application/vnd.elasticsearch+json; compatible-with=8,text/plain',
      },
    });
  }
}

export class ElasticsearchIndex extends MonthlySearchIndex {
  readonly kind = 'elasticsearch' as const;
  /** The underlying client (tests, admin). */
  readonly client: Client;
  #ilmAvailable: boolean | undefined;

  constructor(options: SearchIndexOptions) {
    super(options);
    const auth = options.apiKey
      ? { apiKey: options.apiKey }
      : options.username !== undefined
        ? { username: options.username, password: options.password ?? '' }
        : undefined;
    this.client = new Client({
      node: options.url,
      ...(auth ? { auth } : {}),
      tls: { rejectUnauthorized: options.rejectUnauthorized ?? true, ...(options.ca ? { ca: options.ca } : {}) },
      // Retries are txpipe's (bulk.ts); the client's own would multiply them.
      maxRetries: 0,
      requestTimeout: options.requestTimeoutMs ?? 30_000,
      Transport: Compat8Transport,
    });
  }

  /** Whether ILM answered, once ensure() ran (undefined before). */
  get ilmAvailable(): boolean | undefined {
    return this.#ilmAvailable;
  }

  protected async engineEnsureRetentionPolicy(): Promise<{ ilmPolicy?: string }> {
    if (this.#ilmAvailable === false) return {};
    const name = this.policyId();
    try {
      await this.client.ilm.putLifecycle({ name, policy: ilmPolicyBody(this.name, this.retentionDays) });
      this.#ilmAvailable = true;
      return { ilmPolicy: name };
    } catch (err) {
      const answer = ilmUnavailable(err);
      if (answer === undefined) throw err;
      this.#ilmAvailable = false;
      this.log(
        `warning: Elasticsearch ILM is not available (PUT _ilm/policy/${name} -> ${answer}); ` +
          `no ILM policy, retention is enforced only by txpipe's event-time pruning`,
      );
      return {};
    }
  }

  protected async enginePutIndexTemplate(name: string, body: IndexTemplateBody): Promise<void> {
    await this.client.indices.putIndexTemplate({ name, ...body });
  }

  protected async engineListIndices(pattern: string): Promise<string[]> {
    try {
      const rows = await this.client.cat.indices({ index: pattern, format: 'json', h: 'index', expand_wildcards: ['open', 'closed'] });
      return (rows as { index?: string }[]).map((r) => r.index).filter((i): i is string => typeof i === 'string');
    } catch (err) {
      if (errorStatus(err) === 404) return [];
      throw err;
    }
  }

  protected async engineDeleteIndices(indices: string[]): Promise<void> {
    await this.client.indices.delete({ index: indices });
  }

  protected async engineBulk(lines: BulkLine[]): Promise<unknown> {
    return await this.client.bulk({ operations: lines });
  }

  protected async engineSearch(request: SearchPageRequest): Promise<SearchHit[]> {
    const response = await this.client.search({
      index: request.index,
      ignore_unavailable: true,
      allow_no_indices: true,
      ...request.body,
      search_after: request.body.search_after as never,
    });
    return response.hits.hits as SearchHit[];
  }

  protected async engineRefresh(indices: string[]): Promise<void> {
    await this.client.indices.refresh({ index: indices });
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
