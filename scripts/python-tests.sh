#!/usr/bin/env bash
# The Python binding (bindings/python, the `oss_sse` wheel): prepares .venv
# (scripts/python-env.sh), builds and installs the wheel with `maturin develop --release`,
# checks the hand-written stubs with mypy.stubtest and the package with mypy --strict, then
# runs pytest on bindings/python/tests (sync and async clients against the in-process
# emulator, the sans-IO layer against the shared signing vectors and response fixtures).
# Fails if any step fails, if pytest collects no test (exit 5), or fewer than MIN_TESTS.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
cd "$REPO"
MIN_TESTS=150

./scripts/python-env.sh

VENV="$REPO/.venv"
PY="$VENV/bin/python"
export VIRTUAL_ENV="$VENV"
export PATH="$VENV/bin:$PATH"

echo "python-tests: building the wheel (maturin develop --release)"
(cd bindings/python && "$PY" -m maturin develop --release --locked --quiet 2>&1 | tail -n 3)

echo "python-tests: mypy.stubtest oss_sse._oss_sse"
(cd bindings/python && "$PY" -m mypy.stubtest oss_sse._oss_sse)
echo "python-tests: mypy --strict oss_sse"
(cd bindings/python && "$PY" -m mypy --strict --no-incremental python/oss_sse)

cd bindings/python
set +e
collected_out="$("$PY" -m pytest tests -q --collect-only -p no:cacheprovider 2>&1)"
rc=$?
set -e
if [ "$rc" -ne 0 ]; then
  printf '%s\n' "$collected_out"
  if [ "$rc" -eq 5 ]; then
    echo "python-tests: pytest collected no tests" >&2
  else
    echo "python-tests: pytest collection failed (exit $rc)" >&2
  fi
  exit 1
fi
collected="$(printf '%s\n' "$collected_out" | grep -c '::' || true)"
if [ "$collected" -lt "$MIN_TESTS" ]; then
  printf '%s\n' "$collected_out" | tail -n 20
  echo "python-tests: only $collected tests collected, expected at least $MIN_TESTS" >&2
  exit 1
fi

set +e
"$PY" -m pytest tests -q -p no:cacheprovider "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "python-tests: pytest collected no tests" >&2
  exit 1
fi
[ "$rc" -eq 0 ] || exit "$rc"

cd "$REPO"
echo "python-tests: examples/python"
for ex in sync_quickstart async_quickstart sansio_urllib; do
  "$PY" "examples/python/$ex.py" >/dev/null
  echo "example $ex.py: ok"
done
"$PY" -m pytest -q -p no:cacheprovider examples/python/test_with_localoss.py
# The Dask example: a LocalCluster of 2 worker processes re-encrypts a 20,000-object bucket
# from its inventory, one task per data file; it exits non-zero unless the follow-up audit
# is clean.
"$PY" examples/python/dask_reencrypt.py --local --objects 20000 --workers 2 --to KMS
echo "example dask_reencrypt.py: ok"
