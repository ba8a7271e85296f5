# shellcheck shell=bash
# PostgreSQL (Debian's package) as a private cluster under .services/postgres,
# listening on 127.0.0.1:$PG_PORT only. Sourced by up/down/status.sh.

PG_HOME="$SVC_DIR/postgres"
PG_BIN=""

# Locate the server binaries; install Debian's postgresql when missing.
pg_find_bin() {
  local d
  # 15 is what Debian 12 ships and what we test with; any other version will do.
  for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    if [[ -x "$d/pg_ctl" && -x "$d/initdb" ]]; then
      PG_BIN="$d"
      return 0
    fi
  done
  return 1
}

pg_ensure_installed() {
  pg_find_bin && return 0
  apt_install postgresql
  pg_find_bin || die "postgresql installed but no /usr/lib/postgresql/*/bin/pg_ctl found"
}

# initdb refuses to run as root, so as root the cluster runs as the `postgres`
# OS user (created by the Debian package); as a normal user it runs as that user.
as_pg() {
  if [[ $EUID -eq 0 ]]; then
    # cd /: the caller's cwd may be unreadable for postgres (noisy warnings).
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

# The postgres user must be able to reach the data dir. If the checkout sits
# somewhere it cannot traverse (e.g. under /root, mode 700), keep the cluster
# in /var/tmp instead and leave a symlink at .services/postgres pointing to it.
pg_resolve_home() {
  mkdir -p "$SVC_DIR"
  if [[ -L "$PG_HOME" ]]; then
    PG_HOME="$(readlink -f "$PG_HOME")"
  elif [[ $EUID -eq 0 ]] && ! runuser -u postgres -- test -x "$SVC_DIR"; then
    local alt
    alt="/var/tmp/txpipe-postgres-$(printf '%s' "$REPO_ROOT" | cksum | cut -d' ' -f1)"
    log "postgres user cannot reach $SVC_DIR: keeping the cluster in $alt"
    # No symlink means .services was wiped (a clean start was asked for), so a
    # leftover cluster there is stale, unless it is still running.
    if [[ -d "$alt" && ! -f "$alt/data/postmaster.pid" ]]; then
      rm -rf "$alt"
    fi
    mkdir -p "$alt"
    ln -sfn "$alt" "$PG_HOME"
    PG_HOME="$alt"
  fi
  PG_DATA="$PG_HOME/data"
  PG_SOCK="$PG_HOME/run"
  PG_LOG="$PG_HOME/postgres.log"
}

# Port of the running cluster, from line 4 of postmaster.pid ("" if stopped).
pg_running_port() {
  [[ -f "$PG_DATA/postmaster.pid" ]] || return 0
  sed -n '4p' "$PG_DATA/postmaster.pid" 2>/dev/null
}

pg_running_pid() {
  [[ -f "$PG_DATA/postmaster.pid" ]] || return 0
  sed -n '1p' "$PG_DATA/postmaster.pid" 2>/dev/null
}

pg_is_running() {
  [[ -n "$PG_BIN" ]] || pg_find_bin || return 1
  [[ -d "$PG_DATA" ]] || return 1
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1
}

pg_ready() {
  "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$1" -U postgres -d postgres
}

pg_start() {
  pg_ensure_installed
  pg_resolve_home
  if pg_is_running; then
    log "postgres already running (pid $(pg_running_pid), port $(pg_running_port))"
    return 0
  fi
  mkdir -p "$PG_HOME" "$PG_SOCK"
  if [[ $EUID -eq 0 ]]; then
    chown -R postgres:postgres "$PG_HOME"
  fi
  if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
    log "initdb $PG_DATA"
    # -A trust: loopback-only throwaway cluster for tests, no passwords.
    as_pg "$PG_BIN/initdb" -D "$PG_DATA" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$PG_HOME/initdb.log" 2>&1 ||
      { show_log_tail "$PG_HOME/initdb.log"; die "initdb failed"; }
  fi
  if port_open "$PG_PORT"; then
    die "port $PG_PORT is already in use by another process (set TXPIPE_PG_PORT)"
  fi
  log "starting postgres on 127.0.0.1:$PG_PORT"
  # Defaults kept (fsync and synchronous_commit on: crash safety is tested);
  # only memory/checkpoint sizing and connection count are raised.
  local opts="-p $PG_PORT -k $PG_SOCK -c listen_addresses=127.0.0.1"
  opts+=" -c shared_buffers=512MB -c max_wal_size=4GB -c checkpoint_timeout=15min -c max_connections=200"
  # 9>&-: the server must not inherit (and so hold forever) up.sh's lock fd.
  if ! as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -o "$opts" -l "$PG_LOG" -w -t 60 start >&2 9>&-; then
    show_log_tail "$PG_LOG"
    die "postgres failed to start"
  fi
}

pg_wait() {
  local port
  port="$(pg_running_port)"
  if ! wait_until 30 pg_ready "$port"; then
    show_log_tail "$PG_LOG"
    die "postgres does not answer on 127.0.0.1:$port"
  fi
  if ! as_pg "$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc 'select 1' >/dev/null; then
    show_log_tail "$PG_LOG"
    die "postgres answers pg_isready but 'select 1' failed"
  fi
  log "postgres ready on 127.0.0.1:$port"
}

pg_export() {
  printf 'export DATABASE_URL=postgres://postgres@127.0.0.1:%s/postgres\n' "$(pg_running_port)"
}

pg_stop() {
  pg_find_bin || { log "postgres not installed"; return 0; }
  pg_resolve_home
  if ! pg_is_running; then
    log "postgres not running"
    return 0
  fi
  log "stopping postgres"
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >&2 ||
    die "pg_ctl stop failed (see $PG_LOG)"
}

pg_status() {
  pg_find_bin || true
  pg_resolve_home
  if pg_is_running; then
    echo "postgres    running  port=$(pg_running_port) pid=$(pg_running_pid) data=$PG_DATA"
    return 0
  fi
  echo "postgres    stopped  port=$PG_PORT"
  return 1
}
