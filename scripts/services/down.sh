#!/usr/bin/env bash
# Stop the services started by up.sh (data under .services/ is kept; remove
# that folder for a clean slate).
# Usage: down.sh [postgres] [kafka] [opensearch] [elasticsearch]
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
# Reverse order: consumers of the database stop before it.
for ((i = ${#SELECTED[@]} - 1; i >= 0; i--)); do
  case "${SELECTED[$i]}" in
    postgres) pg_stop ;;
    kafka) kafka_stop ;;
    opensearch) os_stop ;;
    elasticsearch) es_stop ;;
  esac
done
