/** An in-memory search index for tests of the DAG around it: documents by hour, nothing else. */
import type { BulkResult, HourlyMetricsDoc, SearchIndex } from '../../src/search/port.ts';

export class MemorySearch implements SearchIndex {
  readonly kind = 'opensearch' as const;
  readonly name = 'hourly_metrics';
  readonly url = 'memory:';
  docs = new Map<string, HourlyMetricsDoc>();
  async ensure() {}
  async upsert(docs: readonly HourlyMetricsDoc[]): Promise<BulkResult> {
    for (const d of docs) this.docs.set(d.event_hour, { ...d });
    return { indexed: docs.length, failures: [] };
  }
  async remove(hours: readonly string[]): Promise<BulkResult> {
    for (const h of hours) this.docs.delete(h);
    return { indexed: hours.length, failures: [] };
  }
  async readAll() {
    return [...this.docs.values()].sort((a, b) => a.event_hour.localeCompare(b.event_hour));
  }
  async close() {}
}
