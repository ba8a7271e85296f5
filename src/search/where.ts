/** Which search engine a message is about: the setting that names it, the engine, its URL and the index. */
import type { SearchIndex } from './port.ts';

const ENGINES = {
  elasticsearch: { setting: 'ELASTICSEARCH_URL', engine: 'Elasticsearch' },
  opensearch: { setting: 'OPENSEARCH_URL', engine: 'OpenSearch' },
} as const;

/** `ELASTICSEARCH_URL: cannot reach Elasticsearch at http://127.0.0.1:9200 (index hourly_metrics)`, with `what` for "cannot reach". */
export function atSearch(search: Pick<SearchIndex, 'kind' | 'url' | 'name'>, what: string): string {
  const { setting, engine } = ENGINES[search.kind];
  return `${setting}: ${what} ${engine} at ${search.url} (index ${search.name})`;
}
