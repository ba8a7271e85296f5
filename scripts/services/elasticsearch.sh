# shellcheck shell=bash
# Elasticsearch 8.19, one node, from Elastic's own distribution on Maven Central
# (org.elasticsearch.distribution.integ-test-zip, scripts/services/maven/elasticsearch/pom.xml),
# started with its official launcher bin/elasticsearch on Java 17. Sourced by up/down/status.sh.
#
# What that distribution needs here:
# - it refuses to run as root: as root it runs as `nobody`/`nogroup` (setpriv), and everything it
#   writes (config with its keystore, data, logs, tmp, pid file) belongs to that user; when `nobody`
#   cannot reach .services (a checkout under /root, mode 700) it lives in /var/tmp behind a symlink;
# - discovery.type single-node, and xpack.security.enabled false (otherwise security auto-configures
#   TLS and passwords); its own ports, beside OpenSearch's 59201/59300+;
# - it has no rest-root module (GET / answers 405): the project's plugin TxpipeRootPlugin.java
#   answers GET / as that module does, so the official clients' info() works;
# - it has no ILM module: PUT _ilm/policy/... answers 400 "no handler found", which txpipe treats as
#   "ILM absent" (one warning, its own event-time retention).
#
# Destructive operations keep Elasticsearch's default (action.destructive_requires_name: true), as
# on a real cluster: a wildcard DELETE is refused, so nothing in txpipe may rely on one.

ES_HOME="$SVC_DIR/elasticsearch"
ES_JARS="$SVC_DIR/jars/elasticsearch"
ES_PLUGIN_SRC="$SERVICES_SCRIPTS/TxpipeRootPlugin.java"
ES_PLUGIN_NAME=txpipe-root

es_paths() {
  ES_DIST="$ES_HOME/dist"
  ES_CONF="$ES_HOME/config"
  ES_RUN="$ES_HOME/run"
  ES_PIDFILE="$ES_RUN/elasticsearch.pid"
  ES_LOG="$ES_HOME/elasticsearch.log"
  ES_LAUNCHER_PIDFILE="$ES_HOME/launcher.pid"
}
es_paths

es_as_user() {
  if [[ $EUID -eq 0 ]]; then
    setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"
  else
    "$@"
  fi
}

# As root, `nobody` must be able to reach the home; if it cannot, keep it in
# /var/tmp (a symlink at .services/elasticsearch points there), as postgres.sh does.
ES_RESOLVED=""
es_resolve_home() {
  [[ -z "$ES_RESOLVED" ]] || return 0
  ES_RESOLVED=1
  mkdir -p "$SVC_DIR"
  if [[ -L "$ES_HOME" ]]; then
    ES_HOME="$(readlink -f "$ES_HOME")"
  elif [[ $EUID -eq 0 ]] && ! (cd / && es_as_user test -x "$SVC_DIR"); then
    local alt
    alt="/var/tmp/txpipe-elasticsearch-$(printf '%s' "$REPO_ROOT" | cksum | cut -d' ' -f1)"
    log "nobody cannot reach $SVC_DIR: keeping elasticsearch in $alt"
    # No symlink means .services was wiped: a leftover home there is stale unless it still runs.
    if [[ -d "$alt" && ! -f "$alt/run/elasticsearch.pid" ]]; then
      rm -rf "$alt"
    fi
    mkdir -p "$alt"
    ln -sfn "$alt" "$ES_HOME"
    ES_HOME="$alt"
  fi
  es_paths
}

es_pid() { read_file_or_empty "$ES_PIDFILE"; }

# The server JVM's command line names our distribution: a reused pid or
# another checkout's node never passes for ours.
es_is_running() {
  pid_matches "$(es_pid)" "-Des.path.home=$ES_DIST "
}

es_http() {
  curl -fsS --max-time 10 "http://127.0.0.1:$ES_PORT$1"
}

# The pinned version is the one in the pom: the zip maven fetched is named after it.
es_version() {
  local zip
  zip="$(ls "$ES_JARS"/elasticsearch-*.zip 2>/dev/null | head -n 1)"
  [[ -n "$zip" ]] || die "no elasticsearch-*.zip in $ES_JARS"
  basename "$zip" .zip | sed 's/^elasticsearch-//'
}

# Unzip the distribution and install the GET / plugin, once (again when the
# pom or the plugin source changes).
es_ensure_dist() {
  ensure_jars elasticsearch
  command -v unzip >/dev/null || apt_install unzip
  local version zip stamp want
  version="$(es_version)"
  zip="$ES_JARS/elasticsearch-$version.zip"
  stamp="$ES_DIST/.txpipe.sha256"
  want="$(sha256sum "$ES_JARS/.pom.sha256" "$ES_PLUGIN_SRC" | sha256sum | cut -d' ' -f1)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    return 0
  fi
  log "unpacking elasticsearch $version into $ES_DIST"
  rm -rf "$ES_DIST" "$ES_HOME/unpack"
  mkdir -p "$ES_HOME/unpack"
  unzip -q "$zip" -d "$ES_HOME/unpack" || die "could not unzip $zip"
  mv "$ES_HOME/unpack/elasticsearch-$version" "$ES_DIST"
  rm -rf "$ES_HOME/unpack"

  local build="$ES_HOME/plugin-build" plugin="$ES_DIST/plugins/$ES_PLUGIN_NAME"
  rm -rf "$build"
  mkdir -p "$build/classes" "$plugin"
  "$JAVAC" --release 17 -nowarn -d "$build/classes" -cp "$ES_DIST/lib/*" "$ES_PLUGIN_SRC" >&2 ||
    die "could not compile $ES_PLUGIN_SRC against elasticsearch $version"
  "$(dirname "$JAVAC")/jar" cf "$plugin/$ES_PLUGIN_NAME.jar" -C "$build/classes" . ||
    die "could not package the $ES_PLUGIN_NAME plugin"
  rm -rf "$build"
  cat >"$plugin/plugin-descriptor.properties" <<PROPS
description=GET / for the txpipe test Elasticsearch (the integ-test-zip has no rest-root module)
version=1.0.0
name=$ES_PLUGIN_NAME
classname=txpipe.elasticsearch.TxpipeRootPlugin
java.version=17
elasticsearch.version=$version
PROPS
  printf '%s\n' "$want" >"$stamp"
}

# The distribution's config (jvm.options, log4j2, ...) with our elasticsearch.yml
# and heap; the keystore the launcher creates there on first start is kept.
es_write_config() {
  mkdir -p "$ES_CONF"
  cp -R "$ES_DIST/config/." "$ES_CONF/"
  mkdir -p "$ES_CONF/jvm.options.d"
  cat >"$ES_CONF/elasticsearch.yml" <<YML
# Generated by scripts/services/elasticsearch.sh on every start: edit that script.
cluster.name: txpipe
node.name: txpipe-es
discovery.type: single-node
xpack.security.enabled: false
network.host: 127.0.0.1
http.port: $ES_PORT
transport.port: $ES_TRANSPORT_PORTS
path.data: $ES_HOME/data
path.logs: $ES_HOME/logs
# A full-ish disk must never turn the test indices read-only.
cluster.routing.allocation.disk.threshold_enabled: false
YML
  # 512 MB is plenty for the tests' indices; without it the launcher sizes the
  # heap from the machine's memory (half of it, up to 31 GB). C1 only: on two
  # busy cores C2 compiling during start-up doubled the start (55 s -> 25 s),
  # and the tests' load does not need it.
  cat >"$ES_CONF/jvm.options.d/txpipe.options" <<OPTS
-Xms512m
-Xmx512m
-XX:TieredStopAtLevel=1
OPTS
}

es_start() {
  ensure_java
  command -v curl >/dev/null || apt_install curl
  es_resolve_home
  es_ensure_dist
  if es_is_running; then
    log "elasticsearch already running (pid $(es_pid), port $ES_PORT)"
    return 0
  fi
  if port_open "$ES_PORT"; then
    die "port $ES_PORT is already in use by another process (set TXPIPE_ELASTICSEARCH_PORT)"
  fi
  mkdir -p "$ES_HOME/data" "$ES_HOME/logs" "$ES_HOME/tmp" "$ES_RUN"
  es_write_config
  rm -f "$ES_PIDFILE"
  if [[ $EUID -eq 0 ]]; then
    chown -R nobody:nogroup "$ES_HOME"
  fi
  if [[ -f "$ES_LOG" ]]; then mv -f "$ES_LOG" "$ES_LOG.prev"; fi
  log "starting elasticsearch $(es_version) on 127.0.0.1:$ES_PORT"
  local java_home as_user=()
  java_home="$(dirname "$(dirname "$(readlink -f "$JAVA")")")"
  [[ $EUID -ne 0 ]] || as_user=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
  # -d: the launcher waits until the node has started, writes the pid file and
  # exits, leaving the node alone (no launcher JVM kept beside it). It runs in
  # the background so that up.sh boots the JVMs side by side; es_wait watches it.
  # cwd = the home, which the node's user owns (relative JVM paths such as hs_err files).
  (
    cd "$ES_HOME" &&
      exec setsid nohup "${as_user[@]}" env ES_JAVA_HOME="$java_home" ES_PATH_CONF="$ES_CONF" \
        CLI_JAVA_OPTS="-XX:TieredStopAtLevel=1" \
        ES_TMPDIR="$ES_HOME/tmp" HOME="$ES_HOME/tmp" "$ES_DIST/bin/elasticsearch" -d -p "$ES_PIDFILE"
  ) </dev/null >"$ES_LOG" 2>&1 9>&- &
  echo $! >"$ES_LAUNCHER_PIDFILE"
}

es_fail() {
  show_log_tail "$ES_LOG" 40
  show_log_tail "$ES_HOME/logs/txpipe.log" 40
  die "$1"
}

es_wait() {
  es_resolve_home
  local deadline=$((SECONDS + 120)) launcher
  launcher="$(read_file_or_empty "$ES_LAUNCHER_PIDFILE")"
  until es_is_running && es_http / >/dev/null 2>&1; do
    if ! es_is_running && ! kill -0 "$launcher" 2>/dev/null; then
      es_fail "elasticsearch exited during start-up"
    fi
    ((SECONDS < deadline)) || es_fail "elasticsearch GET / did not answer 200 on port $ES_PORT after 120s"
    sleep 0.5
  done
  local left=$((deadline - SECONDS))
  ((left > 5)) || left=5
  if ! es_http "/_cluster/health?wait_for_status=yellow&timeout=${left}s" | grep -qE '"status":"(yellow|green)"'; then
    es_fail "elasticsearch cluster health is not yellow/green"
  fi
  log "elasticsearch ready on http://127.0.0.1:$ES_PORT (pid $(es_pid))"
}

es_export() {
  printf 'export ELASTICSEARCH_URL=http://127.0.0.1:%s\n' "$ES_PORT"
}

es_stop() {
  es_resolve_home
  if es_is_running; then
    log "stopping elasticsearch (pid $(es_pid))"
    stop_pid elasticsearch "$(es_pid)" 60
  else
    log "elasticsearch not running"
  fi
  rm -f "$ES_PIDFILE" "$ES_LAUNCHER_PIDFILE"
}

es_status() {
  es_resolve_home
  if es_is_running; then
    echo "elasticsearch running  port=$ES_PORT pid=$(es_pid)"
    return 0
  fi
  echo "elasticsearch stopped  port=$ES_PORT"
  return 1
}
