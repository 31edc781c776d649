#!/usr/bin/env bash
# Interop tests: the official Python SDK (oss2, V1 and V4 signatures) against the emulator.
# Builds the emulator, prepares .venv, runs pytest on tests/interop. Fails if pytest fails,
# collects no test (exit 5), or collects fewer than MIN_TESTS tests.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
cd "$REPO"
MIN_TESTS=100

if [ -z "${OSS_SSE_EMULATOR_BIN:-}" ] || [ ! -x "$OSS_SSE_EMULATOR_BIN" ]; then
  cargo build -p oss-sse-emulator --locked
  export OSS_SSE_EMULATOR_BIN="${CARGO_TARGET_DIR:-$REPO/target}/debug/oss-sse-emulator"
fi
export OSS_SSE_EMULATOR_BIN
./scripts/python-env.sh

PY="$REPO/.venv/bin/python"

# Count what pytest collects first: a suite that silently shrank must not pass.
set +e
collected_out="$("$PY" -m pytest tests/interop -q --collect-only -p no:cacheprovider 2>&1)"
rc=$?
set -e
if [ "$rc" -ne 0 ]; then
  printf '%s\n' "$collected_out"
  if [ "$rc" -eq 5 ]; then
    echo "interop-tests: pytest collected no tests" >&2
  else
    echo "interop-tests: pytest collection failed (exit $rc)" >&2
  fi
  exit 1
fi
collected="$(printf '%s\n' "$collected_out" | grep -c '::' || true)"
if [ "$collected" -lt "$MIN_TESTS" ]; then
  printf '%s\n' "$collected_out"
  echo "interop-tests: only $collected tests collected, expected at least $MIN_TESTS" >&2
  exit 1
fi

set +e
"$PY" -m pytest tests/interop -q -p no:cacheprovider "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "interop-tests: pytest collected no tests" >&2
  exit 1
fi
exit "$rc"
