#!/usr/bin/env bash
# System packages some tests need, from Debian's archive:
#   faketime  (libfaketime): preloaded into the emulator by the clock-step test
#             (crates/oss-sse-emulator/tests/storage_promise.rs, D3);
#   chromium: renders the audit's HTML report headless (crates/oss-sse-cli/tests/fleet.rs).
# Installs what is missing when this runs as root with apt-get; otherwise it says what is
# missing (those tests then fail under CI=true and are skipped locally).
set -euo pipefail
LIB=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1
missing=()
[ -f "$LIB" ] || missing+=(faketime)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if [ ${#missing[@]} -eq 0 ]; then
  echo "system-deps: libfaketime and chromium present"
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: installing ${missing[*]} (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ -f "$LIB" ] || { echo "system-deps: faketime installed but $LIB is missing" >&2; exit 1; }
  command -v chromium >/dev/null 2>&1 || { echo "system-deps: chromium installed but not on PATH" >&2; exit 1; }
  echo "system-deps: ${missing[*]} installed"
else
  echo "system-deps: missing ${missing[*]} (needs root and apt-get to install)" >&2
  if [ -n "${CI:-}" ]; then exit 1; fi
fi
