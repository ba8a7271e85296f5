/** The export lines of scripts/services/up.sh that pick the search engine, run through bash without starting any service. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { searchEngineExport } from '../support/services-exports.ts';
import { loadConfig } from '../../src/config.ts';

test('services:up names the engine after the URLs: Elasticsearch when it was started, OpenSearch when only it was, nothing without either', () => {
  assert.equal(searchEngineExport(), 'export TXPIPE_SEARCH_ENGINE=elasticsearch\n');
  assert.equal(searchEngineExport(['opensearch', 'elasticsearch']), 'export TXPIPE_SEARCH_ENGINE=elasticsearch\n');
  assert.equal(searchEngineExport(['es']), 'export TXPIPE_SEARCH_ENGINE=elasticsearch\n');
  assert.equal(searchEngineExport(['postgres', 'opensearch']), 'export TXPIPE_SEARCH_ENGINE=opensearch\n');
  assert.equal(searchEngineExport(['os']), 'export TXPIPE_SEARCH_ENGINE=opensearch\n');
  assert.equal(searchEngineExport(['postgres', 'kafka']), '');
});

test('the exports of services:up (all four) make a configuration txpipe accepts: Elasticsearch, and OpenSearch on request', () => {
  const exported: Record<string, string> = {
    DATABASE_URL: 'postgres://postgres@127.0.0.1:55432/postgres',
    KAFKA_BROKERS: '127.0.0.1:59092',
    OPENSEARCH_URL: 'http://127.0.0.1:59201',
    ELASTICSEARCH_URL: 'http://127.0.0.1:59400',
  };
  for (const line of searchEngineExport().trim().split('\n')) {
    const [, key, value] = /^export (\w+)=(.*)$/.exec(line)!;
    exported[key!] = value!;
  }
  assert.deepEqual([loadConfig(exported).search?.engine, loadConfig(exported).search?.url], ['elasticsearch', 'http://127.0.0.1:59400']);
  const os = loadConfig({ ...exported, TXPIPE_SEARCH_ENGINE: 'opensearch' }).search;
  assert.deepEqual([os?.engine, os?.url], ['opensearch', 'http://127.0.0.1:59201']);
});
