/** Opens the configured search engine's SearchIndex. */
import type { SearchSettings } from '../config.ts';
import type { SearchIndex } from './port.ts';
import { optionsFromSettings } from './monthly-index.ts';
import { ElasticsearchIndex } from './elasticsearch/elasticsearch-index.ts';
import { OpenSearchIndex } from './opensearch/opensearch-index.ts';

/** Picks the adapter by settings.engine; `logger` gets one line per warning/retry/prune/skip. */
export function openSearchIndex(settings: SearchSettings, logger?: (line: string) => void): SearchIndex {
  const options = optionsFromSettings(settings, logger);
  switch (settings.engine) {
    case 'elasticsearch':
      return new ElasticsearchIndex(options);
    case 'opensearch':
      return new OpenSearchIndex(options);
  }
}
