#!/usr/bin/env bash
# Creates (if missing) the Python virtualenv at $REPO/.venv with the machine's python3,
# upgrades pip when it creates it, and installs the pinned test dependencies from
# requirements-test.txt. Idempotent and quiet: once everything is installed a rerun prints
# nothing and needs no network. Needs nothing but PyPI.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
VENV="$REPO/.venv"
PY="${PYTHON:-python3}"
PIP=(--quiet --disable-pip-version-check --no-input)

if ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
  # Missing or broken (e.g. its interpreter is gone): (re)create it.
  "$PY" -m venv --clear "$VENV"
  "$VENV/bin/python" -m pip install "${PIP[@]}" --upgrade pip
fi
"$VENV/bin/python" -m pip install "${PIP[@]}" -r "$REPO/requirements-test.txt"
