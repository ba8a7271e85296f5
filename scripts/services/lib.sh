# shellcheck shell=bash disable=SC2034  # variables here are used by the scripts that source this file
# Shared helpers for scripts/services/*.sh. Sourced, never run directly.
#
# Everything the services write (data, logs, pid files, fetched jars) lives
# under $SVC_DIR = <repo>/.services, which is git-ignored, so a clean start is
# just `services:down` + `rm -rf .services`.
#
# Convention: stdout is reserved for the `export ...` lines of up.sh (so that
# `eval "$(npm run -s services:up)"` works); every other message goes to stderr.

SERVICES_SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SERVICES_SCRIPTS/../.." && pwd)"
SVC_DIR="$REPO_ROOT/.services"

# Fixed, unusual default ports so that a system-wide PostgreSQL/Kafka/
# OpenSearch/Elasticsearch on the standard ports never collides with ours.
PG_PORT="${TXPIPE_PG_PORT:-55432}"
KAFKA_PORT="${TXPIPE_KAFKA_PORT:-59092}"
KAFKA_CONTROLLER_PORT="${TXPIPE_KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}"
# OpenSearch HTTP port wanted; the runner takes base+1 and moves up if taken.
OPENSEARCH_PORT="${TXPIPE_OPENSEARCH_PORT:-59201}"
# Elasticsearch HTTP port (fixed: a taken port is an error), transport on the
# next 99 ports; away from OpenSearch's 59201+ (its runner moves up when taken)
# and 59300+.
ES_PORT="${TXPIPE_ELASTICSEARCH_PORT:-59400}"
ES_TRANSPORT_PORTS="$((ES_PORT + 1))-$((ES_PORT + 99))"

ALL_SERVICES=(postgres kafka opensearch elasticsearch)

log() { printf '[services] %s\n' "$*" >&2; }

die() {
  printf '[services] ERROR: %s\n' "$*" >&2
  exit 1
}

# Print the last lines of a log file to stderr, to explain a failed start.
show_log_tail() {
  local file="$1" lines="${2:-40}"
  if [[ -f "$file" ]]; then
    printf '[services] ---- last %s lines of %s ----\n' "$lines" "$file" >&2
    tail -n "$lines" "$file" >&2 || true
    printf '[services] ---- end of %s ----\n' "$file" >&2
  fi
}

# True when something accepts TCP connections on 127.0.0.1:$1 (bash's
# /dev/tcp: no nc/curl needed).
port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# True when pid $1 is alive and its command line contains $2 (guards against
# a stale pid file whose pid was reused by an unrelated process).
pid_matches() {
  local pid="$1" needle="$2"
  [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$needle"
}

read_file_or_empty() {
  if [[ -f "$1" ]]; then cat "$1"; fi
}

# Stop a background JVM we started: SIGTERM (lets Kafka/OpenSearch shut down
# cleanly), wait up to $3 seconds, then SIGKILL.
stop_pid() {
  local name="$1" pid="$2" timeout="${3:-30}" i
  kill "$pid" 2>/dev/null || return 0
  for ((i = 0; i < timeout * 5; i++)); do
    kill -0 "$pid" 2>/dev/null || { log "$name stopped (pid $pid)"; return 0; }
    sleep 0.2
  done
  log "$name did not stop within ${timeout}s: killing pid $pid"
  kill -9 "$pid" 2>/dev/null || true
  sleep 0.5
}

# Install Debian packages. `apt-get update` is run only when the install
# fails (a fresh machine may have no package lists yet), never on the warm path.
apt_install() {
  [[ $EUID -eq 0 ]] || die "need root to apt-get install $* (install them, or rerun as root)"
  log "apt-get install $*"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q -o Dpkg::Use-Pty=0 "$@" >&2; then
    log "apt-get install failed: running apt-get update and retrying"
    apt-get update -q >&2
    apt-get install -y -q -o Dpkg::Use-Pty=0 "$@" >&2
  fi
}

java_major() {
  "$1" -XshowSettings:properties -version 2>&1 |
    sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p'
}

# Sets $JAVA to a java >= 17 (Kafka 4 brokers, OpenSearch 2.19 and
# Elasticsearch 8.19 need 17), and makes sure javac (for the OpenSearch
# launcher and the Elasticsearch GET / plugin) and mvn are present.
JAVA=""
JAVAC=""
ensure_java() {
  [[ -n "$JAVA" ]] && return 0
  local candidate major
  candidate="$(command -v java || true)"
  if [[ -n "$candidate" ]]; then
    major="$(java_major "$candidate")"
    if [[ -n "$major" && "$major" -ge 17 ]] && command -v javac >/dev/null; then
      JAVA="$candidate"
    fi
  fi
  if [[ -z "$JAVA" ]]; then
    apt_install openjdk-17-jdk-headless
    JAVA=/usr/lib/jvm/java-17-openjdk-amd64/bin/java
    [[ -x "$JAVA" ]] || JAVA="$(command -v java)"
  fi
  JAVAC="$(dirname "$(readlink -f "$JAVA")")/javac"
  [[ -x "$JAVAC" ]] || JAVAC="$(command -v javac)"
  command -v mvn >/dev/null || apt_install maven
}

# Fetch the runtime jars described by scripts/services/maven/$1/pom.xml into
# .services/jars/$1 (through the machine's Maven setup, i.e. Maven Central).
# A stamp with the pom's checksum makes this a no-op on the warm path and a
# refetch when the pom changes.
ensure_jars() {
  local name="$1"
  local pom="$SERVICES_SCRIPTS/maven/$name/pom.xml"
  local dir="$SVC_DIR/jars/$name"
  local stamp="$dir/.pom.sha256" want
  want="$(sha256sum "$pom" | cut -d' ' -f1)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    return 0
  fi
  ensure_java
  log "fetching $name jars with maven into $dir"
  rm -rf "$dir"
  mkdir -p "$dir"
  # mvn prints to stdout: send it to stderr to keep stdout for the exports
  # (sed drops the stray colour resets Debian's maven prints even with -B).
  if ! mvn -B -q -Dstyle.color=never dependency:copy-dependencies \
    -DoutputDirectory="$dir" -DincludeScope=runtime -f "$pom" 2>&1 |
    sed 's/\x1b\[[0-9;]*m//g' >&2; then
    rm -rf "$dir"
    die "maven could not fetch the $name jars (see above)"
  fi
  printf '%s\n' "$want" >"$stamp"
}

# Poll "$@" until it succeeds or $1 seconds pass. Usage: wait_until SECS cmd...
wait_until() {
  local secs="$1" deadline
  shift
  deadline=$((SECONDS + secs))
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

# Serialise up/down runs of the same checkout (e.g. two test scripts calling
# services:up at once) so a service is never started twice. The daemons are
# started with 9>&- so that they do not inherit the lock.
take_lock() {
  mkdir -p "$SVC_DIR"
  exec 9>"$SVC_DIR/.lock"
  if ! flock -w 300 9; then
    die "another services up/down is still running after 300s ($SVC_DIR/.lock)"
  fi
}

# Validate a list of service names (default: all) into the array SELECTED.
select_services() {
  SELECTED=()
  if [[ $# -eq 0 ]]; then
    SELECTED=("${ALL_SERVICES[@]}")
    return
  fi
  local s
  for s in "$@"; do
    case "$s" in
      postgres | pg | postgresql) SELECTED+=(postgres) ;;
      kafka) SELECTED+=(kafka) ;;
      opensearch | os) SELECTED+=(opensearch) ;;
      elasticsearch | es) SELECTED+=(elasticsearch) ;;
      *) die "unknown service '$s' (known: ${ALL_SERVICES[*]})" ;;
    esac
  done
}

# After the URLs: which engine txpipe indexes into, since with both
# ELASTICSEARCH_URL and OPENSEARCH_URL exported it needs TXPIPE_SEARCH_ENGINE
# (src/config.ts refuses to guess). Elasticsearch, the seed's engine, when it
# was among the services asked for; OpenSearch when only it was; nothing when
# neither was. `export TXPIPE_SEARCH_ENGINE=opensearch` switches afterwards.
search_engine_export() {
  local s engine=""
  for s in "${SELECTED[@]}"; do
    if [[ "$s" == elasticsearch ]]; then
      engine=elasticsearch
    elif [[ "$s" == opensearch && -z "$engine" ]]; then
      engine=opensearch
    fi
  done
  if [[ -n "$engine" ]]; then printf 'export TXPIPE_SEARCH_ENGINE=%s\n' "$engine"; fi
}
