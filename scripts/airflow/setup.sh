#!/usr/bin/env bash
# Create or refresh the Airflow virtualenv (.venv/airflow, git-ignored) from the committed lock:
#   pip install -r airflow/requirements.txt -c airflow/constraints.txt
# Idempotent: does nothing when the venv exists and was built from the same lock (a hash of
# requirements.txt, constraints.txt, this script and the Python version is stored in the venv).
# Quiet on stdout; progress and errors go to stderr.
#
# Usage: setup.sh            ensure the venv
#        setup.sh --relock   rebuild from requirements.txt alone and rewrite airflow/constraints.txt
# Env:   TXPIPE_AIRFLOW_VENV   venv folder (default <repo>/.venv/airflow)
#        TXPIPE_AIRFLOW_PYTHON interpreter (default python3.11, else python3 if 3.10-3.13)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="${TXPIPE_AIRFLOW_VENV:-$repo/.venv/airflow}"
req="$repo/airflow/requirements.txt"
cons="$repo/airflow/constraints.txt"
pip_version="26.3"
relock=0
[[ "${1:-}" == "--relock" ]] && relock=1

say() { printf 'airflow setup: %s\n' "$*" >&2; }

pick_python() {
  if [[ -n "${TXPIPE_AIRFLOW_PYTHON:-}" ]]; then
    printf '%s\n' "$TXPIPE_AIRFLOW_PYTHON"
    return
  fi
  local c
  for c in python3.11 /root/.pyenv/versions/3.11*/bin/python3 python3; do
    if command -v "$c" >/dev/null 2>&1 &&
      "$c" -c 'import sys; sys.exit(0 if (3, 10) <= sys.version_info[:2] <= (3, 13) else 1)' 2>/dev/null; then
      printf '%s\n' "$c"
      return
    fi
  done
  say "no Python 3.10-3.13 found (set TXPIPE_AIRFLOW_PYTHON)"
  exit 1
}

python="$(pick_python)"
pyver="$("$python" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
want="$(cat "$req" "$cons" "${BASH_SOURCE[0]}" <(printf '%s\n' "$pyver") | sha256sum | cut -d' ' -f1)"
stamp="$venv/.txpipe-lock-sha256"

mkdir -p "$(dirname "$venv")"
exec 9>"$venv.lock"
flock 9 # one setup at a time (parallel test runs)

if [[ $relock -eq 0 && -x "$venv/bin/airflow" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  exit 0
fi

start=$(date +%s)
say "building $venv with Python $pyver (lock changed or venv missing)"
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check "pip==$pip_version" >&2
if [[ $relock -eq 1 ]]; then
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$req" >&2
  {
    printf '# pip freeze of .venv/airflow (Python %s) after: pip install -r airflow/requirements.txt\n' "$pyver"
    printf '# Regenerate with: bash scripts/airflow/setup.sh --relock\n'
    "$venv/bin/pip" freeze --all --disable-pip-version-check | grep -v -E '^(pip|setuptools|wheel)=='
  } >"$cons"
  say "rewrote $cons"
  want="$(cat "$req" "$cons" "${BASH_SOURCE[0]}" <(printf '%s\n' "$pyver") | sha256sum | cut -d' ' -f1)"
else
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$req" -c "$cons" >&2
fi
"$venv/bin/python" -c 'import airflow, airflow.providers.standard.operators.bash' >&2
printf '%s\n' "$want" >"$stamp"
say "ready in $(($(date +%s) - start)) s: $("$venv/bin/airflow" version 2>/dev/null | tail -n 1)"
