#!/usr/bin/env bash
# Installs what the tests need and runs every gate and test. This is the README's test
# command and what CI (.ci/run) runs on a clean clone.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
# A one-shot build gains nothing from incremental state (about 3 GB on a clean clone).
if [ "${CI:-}" = "true" ]; then export CARGO_INCREMENTAL=0; fi

start=$(date +%s)
step() { printf '\n==> [%ss] %s\n' "$(( $(date +%s) - start ))" "$*"; }

# Free disk where the build writes: a linker killed by a full disk says only "Bus error".
df -h . | tail -1 | awk '{print "disk free where the build runs: " $4 " of " $2}'
# A clean run writes about 3.2 GB here (target/ 2.0 GB, fuzz/target 0.8 GB, .venv and
# .cache 0.4 GB) plus the crates, modules and wheels it downloads.
free_kb=$(df -Pk . | awk 'NR==2 {print $4}')
if [ "${free_kb:-0}" -lt $((4 * 1024 * 1024)) ]; then
  echo "WARNING: less than 4 GB free here; a clean run needs about 3.5 GB, and a full disk"
  echo "         shows up as a linker 'Bus error' or an I/O error, not as 'disk full'."
fi
du_target() { du -sh target 2>/dev/null | cut -f1; }

step "system packages (faketime)"
./scripts/system-deps.sh

step "cargo fmt --check"
cargo fmt --all -- --check

step "clippy (all targets, -D warnings)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "core boundary guard"
./scripts/check-core-boundary.sh

step "cargo test (workspace; includes running the Rust examples)"
cargo test --workspace --locked

step "interop: official oss2 SDK (V1 and V4) against the emulator (target/ holds $(du_target))"
# Reuse the emulator binary cargo test just built (same features, no second build).
OSS_SSE_EMULATOR_BIN="$PWD/target/debug/oss-sse-emulator" ./scripts/interop-tests.sh

step "interop: official Go SDK v2 and Java SDK (V1 and V4) against the emulator, and the Java example"
OSS_SSE_EMULATOR_BIN="$PWD/target/debug/oss-sse-emulator" ./scripts/interop-go-java.sh

step "fuzz smoke (cargo-fuzz, 5 s per target; skipped without a nightly toolchain)"
FUZZ_SECONDS="${FUZZ_SECONDS:-5}" ./scripts/fuzz-smoke.sh

if [ -d bindings/python ]; then
  step "python: venv, wheel, pytest"
  ./scripts/python-tests.sh
fi
step "all checks passed (target/ holds $(du_target))"
