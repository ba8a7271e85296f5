#!/usr/bin/env bash
# Everything the tests need, then every test: the README's test line and CI run this.
# Starts PostgreSQL, Kafka, OpenSearch and Elasticsearch (installing what is missing), prepares
# Airflow's virtualenv, and runs the unit tests, the end-to-end suite on PGlite and on PostgreSQL, the
# real-server tests (Kafka; the search tests on Elasticsearch and on OpenSearch), the dashboard in
# Debian's chromium and the Airflow DAG test. A missing server fails the run. The tests name their
# servers themselves (each passes the engine it tests), so the exported TXPIPE_SEARCH_ENGINE picks nothing for them.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$SECONDS
exports="$(bash scripts/services/up.sh)"
eval "$exports"
export DATABASE_URL KAFKA_BROKERS OPENSEARCH_URL ELASTICSEARCH_URL TXPIPE_SEARCH_ENGINE
TXPIPE_TEST_CHROMIUM="$(bash scripts/browser/chromium.sh)"
export TXPIPE_TEST_CHROMIUM
echo "services ready in $((SECONDS - started)) s" >&2

npm run -s typecheck
npm run -s lint
npm run -s test:unit
npm run -s test:pglite
npm run -s test:postgres
npm run -s test:servers
npm run -s test:browser
npm run -s test:airflow
echo "all tests passed in $((SECONDS - started)) s" >&2
