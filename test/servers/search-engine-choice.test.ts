/**
 * What a shell that ran `eval "$(npm run -s services:up)"` gives txpipe: both ELASTICSEARCH_URL and
 * OPENSEARCH_URL, and the TXPIPE_SEARCH_ENGINE line services:up prints (scripts/services/lib.sh, run
 * here for all services without starting any). txpipe indexes into the engine named, into it alone;
 * `TXPIPE_SEARCH_ENGINE=opensearch` switches (a full refresh re-sends every hour to the new engine);
 * and without the choice both URLs are refused in one line before anything is written. Real
 * Elasticsearch, OpenSearch and PostgreSQL (the topic is the log table); a missing server fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cli, runCli } from '../support/cli.ts';
import { freshTarget, testName } from '../support/target.ts';
import { generated } from '../support/events.ts';
import { expectedMetrics } from '../support/expected.ts';
import { ingestInto } from '../support/ingest.ts';
import { concreteIndices, documentHour, dropIndex, engineEnv, readDocuments } from '../support/search-server.ts';
import { exportedSearchEngine } from '../support/services-exports.ts';

test('with both engines exported, txpipe indexes into the one TXPIPE_SEARCH_ENGINE names, and refuses to guess without it', async () => {
  const index = testName('txpipe_idx');
  const engine = exportedSearchEngine();
  assert.equal(engine, 'elasticsearch', 'services:up (all services) names Elasticsearch');
  const both = { ...engineEnv('elasticsearch'), ...engineEnv('opensearch'), TXPIPE_INDEX: index };
  const t = await freshTarget({ ...both, TXPIPE_SEARCH_ENGINE: engine! }, 'postgres');
  try {
    const messages = generated(1200, 91, '2026-06-01T00:00:00Z', 600);
    const hours = expectedMetrics(messages, 0n).hours.map((h) => documentHour(h.event_hour));
    await ingestInto(t, messages);

    await cli(['dag', 'run', 'process_kafka_to_postgres'], t.env);
    assert.deepEqual(
      (await readDocuments('elasticsearch', index)).map((h) => h._id),
      hours,
    );
    assert.deepEqual(await concreteIndices('opensearch', index), [], 'nothing went to OpenSearch');

    // The other engine on request: a full refresh sends every hour there.
    const toOpenSearch = { ...t.env, TXPIPE_SEARCH_ENGINE: 'opensearch' };
    await cli(['dag', 'run', 'process_kafka_to_postgres', '--full-refresh'], toOpenSearch);
    assert.deepEqual(
      (await readDocuments('opensearch', index)).map((h) => h._source),
      (await readDocuments('elasticsearch', index)).map((h) => h._source),
    );

    // Both URLs and no choice: exit 2, one line naming the setting, and no run recorded.
    const { TXPIPE_SEARCH_ENGINE: _, ...noChoice } = t.env;
    const runsBefore = await cli(['dag', 'runs', '--format', 'json'], t.env);
    const refused = await runCli(['dag', 'run', 'process_kafka_to_postgres'], noChoice);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(
      refused.stderr.trim(),
      /^[^\n]*ELASTICSEARCH_URL and OPENSEARCH_URL are both set: choose one search engine with TXPIPE_SEARCH_ENGINE=elasticsearch or opensearch/,
    );
    assert.equal(await cli(['dag', 'runs', '--format', 'json'], t.env), runsBefore);
  } finally {
    await dropIndex('elasticsearch', index);
    await dropIndex('opensearch', index);
    await t.cleanup();
  }
});
