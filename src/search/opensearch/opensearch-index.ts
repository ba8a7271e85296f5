/**
 * SearchIndex on OpenSearch 2/3 through @opensearch-project/opensearch. Thin: the shared logic is in
 * MonthlySearchIndex; this file only maps it to client calls. Retention policy: ISM policy
 * `<name>-retention` with an ism_template for `<name>-*`; when the ISM plugin is absent
 * (GET _plugins/_ism/policies answers 400/404) one warning line is logged and txpipe's own
 * event-time pruning is the only retention.
 */
import { Client } from '@opensearch-project/opensearch';
import type { BulkLine } from '../documents.ts';
import { ismPolicyBody } from '../lifecycle.ts';
import type { IndexTemplateBody } from '../lifecycle.ts';
import { errorStatus } from '../bulk.ts';
import { MonthlySearchIndex, type SearchHit, type SearchIndexOptions, type SearchPageRequest } from '../monthly-index.ts';

export class OpenSearchIndex extends MonthlySearchIndex {
  readonly kind = 'opensearch' as const;
  /** The underlying client (tests, admin). */
  readonly client: Client;
  #ismAvailable: boolean | undefined;

  constructor(options: SearchIndexOptions) {
    super(options);
    this.client = new Client({
      node: options.url,
      auth: options.username !== undefined ? { username: options.username, password: options.password ?? '' } : undefined,
      ssl: { rejectUnauthorized: options.rejectUnauthorized ?? true, ...(options.ca ? { ca: options.ca } : {}) },
      // Retries are txpipe's (bulk.ts); the client's own would multiply them.
      maxRetries: 0,
      requestTimeout: options.requestTimeoutMs ?? 30_000,
    });
  }

  /** Whether the ISM plugin answered, once ensure() ran (undefined before). */
  get ismAvailable(): boolean | undefined {
    return this.#ismAvailable;
  }

  protected async engineEnsureRetentionPolicy(): Promise<{ ilmPolicy?: string }> {
    if (this.#ismAvailable === undefined) {
      try {
        await this.client.transport.request({ method: 'GET', path: '/_plugins/_ism/policies' });
        this.#ismAvailable = true;
      } catch (err) {
        const status = errorStatus(err);
        if (status !== 400 && status !== 404) throw err;
        this.#ismAvailable = false;
        this.log(
          `warning: the OpenSearch ISM plugin is not available (GET _plugins/_ism/policies -> ${status}); ` +
            `no ISM policy ${this.policyId()}, retention is enforced only by txpipe's event-time pruning`,
        );
      }
    }
    if (!this.#ismAvailable) return {};
    const policyId = this.policyId();
    const wanted = ismPolicyBody(this.name, this.retentionDays);
    let concurrency: { if_seq_no: number; if_primary_term: number } | undefined;
    try {
      const existing = await this.client.transport.request({ method: 'GET', path: `/_plugins/_ism/policies/${encodeURIComponent(policyId)}` });
      const body = existing.body as { _seq_no?: number; _primary_term?: number; policy?: { description?: string } };
      // The description is a pure function of (name, retentionDays, policy version): equal means up to date.
      if (body.policy?.description === wanted.policy.description) return {};
      if (typeof body._seq_no === 'number' && typeof body._primary_term === 'number') {
        concurrency = { if_seq_no: body._seq_no, if_primary_term: body._primary_term };
      }
    } catch (err) {
      if (errorStatus(err) !== 404) throw err;
    }
    // Creating needs no sequence numbers; updating an existing policy requires them (else 409).
    await this.client.transport.request({
      method: 'PUT',
      path: `/_plugins/_ism/policies/${encodeURIComponent(policyId)}`,
      querystring: concurrency,
      body: wanted,
    });
    return {};
  }

  protected async enginePutIndexTemplate(name: string, body: IndexTemplateBody): Promise<void> {
    await this.client.indices.putIndexTemplate({ name, body: body as never });
  }

  protected async engineListIndices(pattern: string): Promise<string[]> {
    try {
      const response = await this.client.cat.indices({ index: pattern, format: 'json', h: 'index', expand_wildcards: 'open,closed' } as never);
      return ((response.body ?? []) as unknown as { index: string }[]).map((r) => r.index);
    } catch (err) {
      if (errorStatus(err) === 404) return [];
      throw err;
    }
  }

  protected async engineDeleteIndices(indices: string[]): Promise<void> {
    await this.client.indices.delete({ index: indices.join(',') });
  }

  protected async engineBulk(lines: BulkLine[]): Promise<unknown> {
    const response = await this.client.bulk({ body: lines as never });
    return response.body;
  }

  protected async engineSearch(request: SearchPageRequest): Promise<SearchHit[]> {
    const response = await this.client.search({
      index: request.index,
      ignore_unavailable: true,
      allow_no_indices: true,
      body: request.body as never,
    });
    return ((response.body as { hits?: { hits?: SearchHit[] } }).hits?.hits ?? []) as SearchHit[];
  }

  protected async engineRefresh(indices: string[]): Promise<void> {
    await this.client.indices.refresh({ index: indices.join(',') });
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
