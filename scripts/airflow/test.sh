#!/usr/bin/env bash
# npm run test:airflow — the Airflow end-to-end tests: builds the Airflow venv when needed
# (scripts/airflow/setup.sh), then runs the DAG process_kafka_to_postgres under a real Airflow against
# PostgreSQL and Elasticsearch (or OpenSearch): `airflow dags test` (test/airflow/airflow.test.ts), then
# the api-server, scheduler and dag-processor with scheduled, manual, REST API and backfill runs
# (test/airflow/scheduler.test.ts).
#
# It uses DATABASE_URL and ELASTICSEARCH_URL (or OPENSEARCH_URL) from the environment, as exported by
#   eval "$(npm run -s services:up)"
# and starts PostgreSQL and Elasticsearch itself (scripts/services/up.sh) when they are not set.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"

bash scripts/airflow/setup.sh

if [[ -z "${DATABASE_URL:-}" || -z "${OPENSEARCH_URL:-}${ELASTICSEARCH_URL:-}" ]]; then
  if [[ -f scripts/services/up.sh ]]; then
    echo "test:airflow: DATABASE_URL or ELASTICSEARCH_URL not set; starting services (scripts/services/up.sh)" >&2
    wanted=()
    [[ -z "${DATABASE_URL:-}" ]] && wanted+=(postgres)
    [[ -z "${OPENSEARCH_URL:-}${ELASTICSEARCH_URL:-}" ]] && wanted+=(elasticsearch)
    exports="$(bash scripts/services/up.sh "${wanted[@]}")"
    eval "$exports"
  fi
fi

# The tests fail (never skip) when DATABASE_URL, the search engine's URL or the venv is missing.
exec ./node_modules/.bin/node --test --test-concurrency=1 test/airflow/airflow.test.ts test/airflow/scheduler.test.ts
