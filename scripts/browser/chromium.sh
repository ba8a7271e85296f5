#!/usr/bin/env bash
# Prints the path of Debian's chromium for the browser test, installing it with apt when missing
# (never a downloaded browser: playwright-core drives this one).
set -euo pipefail
cd "$(dirname "$0")/.."
source services/lib.sh
if ! command -v chromium >/dev/null; then
  apt_install chromium
fi
command -v chromium
