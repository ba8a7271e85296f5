#!/usr/bin/env bash
# Install (when missing) and start PostgreSQL, Kafka, OpenSearch and
# Elasticsearch on 127.0.0.1, wait until each really answers, then print ONLY
# export lines on stdout:   eval "$(npm run -s services:up)"
# (eval of an empty string succeeds: scripts that must stop on a failed start
# should do  env="$(npm run -s services:up)" && eval "$env" .)
# With both search engines, the last line is TXPIPE_SEARCH_ENGINE=elasticsearch
# (txpipe refuses both URLs without a choice); export
# TXPIPE_SEARCH_ENGINE=opensearch afterwards to index into OpenSearch.
#
# Usage: up.sh [postgres] [kafka] [opensearch] [elasticsearch]   (default: all four)
# Ports: TXPIPE_PG_PORT (55432), TXPIPE_KAFKA_PORT (59092; controller +1),
#        TXPIPE_OPENSEARCH_PORT (59201), TXPIPE_ELASTICSEARCH_PORT (59400;
#        transport the next 99). Idempotent: running services are kept.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/services/lib.sh
source "$here/lib.sh"
# shellcheck source=scripts/services/postgres.sh
source "$here/postgres.sh"
# shellcheck source=scripts/services/kafka.sh
source "$here/kafka.sh"
# shellcheck source=scripts/services/opensearch.sh
source "$here/opensearch.sh"
# shellcheck source=scripts/services/elasticsearch.sh
source "$here/elasticsearch.sh"

select_services "$@"
take_lock

# Launch everything first and wait afterwards: the JVMs then boot side by
# side instead of one after the other.
for s in "${SELECTED[@]}"; do
  case "$s" in
    postgres) pg_start ;;
    kafka) kafka_start ;;
    opensearch) os_start ;;
    elasticsearch) es_start ;;
  esac
done
for s in "${SELECTED[@]}"; do
  case "$s" in
    postgres) pg_wait ;;
    kafka) kafka_wait ;;
    opensearch) os_wait ;;
    elasticsearch) es_wait ;;
  esac
done
for s in "${SELECTED[@]}"; do
  case "$s" in
    postgres) pg_export ;;
    kafka) kafka_export ;;
    opensearch) os_export ;;
    elasticsearch) es_export ;;
  esac
done
search_engine_export
