#!/usr/bin/env bash
# System packages some tests need, from Debian's archive: faketime (libfaketime), which the
# clock-step test (crates/oss-sse-emulator/tests/storage_promise.rs, D3) preloads into the
# emulator. Installs them when missing and this runs as root with apt-get; otherwise it says
# what is missing (the test then fails under CI=true and is skipped locally).
set -euo pipefail
LIB=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1
if [ -f "$LIB" ]; then
  echo "system-deps: libfaketime present"
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: installing faketime (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends faketime >/dev/null
  [ -f "$LIB" ] || { echo "system-deps: faketime installed but $LIB is missing" >&2; exit 1; }
  echo "system-deps: faketime installed"
else
  echo "system-deps: faketime is missing (needs root and apt-get to install it)" >&2
  if [ -n "${CI:-}" ]; then exit 1; fi
fi
