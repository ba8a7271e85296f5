#!/usr/bin/env bash
# One line per service: running/stopped, port, pid. Exit 0 only if all the
# asked services (default: all four) run. Usage: status.sh [service...]
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
rc=0
for s in "${SELECTED[@]}"; do
  case "$s" in
    postgres) pg_status || rc=1 ;;
    kafka) kafka_status || rc=1 ;;
    opensearch) os_status || rc=1 ;;
    elasticsearch) es_status || rc=1 ;;
  esac
done
exit "$rc"
