#!/usr/bin/env bash
# Makes Debian's chromium available for the browser tests (playwright-core drives it) and prints the
# path of the executable. Idempotent. Installs the `chromium` package when missing (needs root, as on
# CI), like pg-ensure.sh does for PostgreSQL. All chatter goes to stderr.
set -euo pipefail
exec 3>&1 1>&2

find_chromium() {
  if [ -n "${CHROMIUM_PATH:-}" ] && [ -x "$CHROMIUM_PATH" ]; then echo "$CHROMIUM_PATH"; return 0; fi
  for c in /usr/bin/chromium /usr/bin/chromium-browser; do
    if [ -x "$c" ]; then echo "$c"; return 0; fi
  done
  command -v chromium 2>/dev/null || command -v chromium-browser 2>/dev/null || return 1
}

if ! path=$(find_chromium); then
  if [ "$(id -u)" != 0 ]; then
    echo "chromium-ensure: chromium is not installed and this is not root; install chromium or set CHROMIUM_PATH"
    exit 1
  fi
  echo "chromium-ensure: installing Debian's chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
  path=$(find_chromium) || { echo "chromium-ensure: chromium still not found after install"; exit 1; }
fi
echo "$path" >&3
