#!/usr/bin/env bash
# Interleaved A/B runs of the listing bench (crates/oss-sse-hyper/benches/listing.rs) for
# two or more git revisions, so that every build sees the same machine load: this VM's
# bare-loop figure alone moves by 10-25% between minutes, far more than most changes.
#
#   bench/listing_ab.sh [-n RUNS] [-b BENCH] REV [REV...]
#
# Each revision's bench binary is built once (a worktree under target/ab, sharing this
# checkout's target directory for dependencies), then the binaries run in turn, RUNS rounds
# (default 3), each with OSS_SSE_BENCH_ROUNDS=21 and no million-object part. One line per
# run: the stream/bare ratio on the block_on thread and in a spawned task, and in the task
# the SDK client's CPU and both loops' wall time per page. BENCH is listing (glibc, the
# default) or listing_mimalloc.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=3
bench=listing
while getopts "n:b:" o; do
  case $o in
    n) runs=$OPTARG ;;
    b) bench=$OPTARG ;;
    *) echo "usage: $0 [-n RUNS] [-b BENCH] REV [REV...]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { echo "usage: $0 [-n RUNS] [-b BENCH] REV [REV...]" >&2; exit 2; }
root=$PWD
target=${CARGO_TARGET_DIR:-$root/target}
mkdir -p "$target/ab"
bins=()
for rev in "$@"; do
  sha=$(git rev-parse --short "$rev")
  wt=$target/ab/wt-$sha
  bin=$target/ab/$bench-$sha
  if [ ! -x "$bin" ]; then
    [ -d "$wt" ] || git worktree add --detach -q "$wt" "$sha"
    (cd "$wt" && CARGO_TARGET_DIR=$target cargo bench -p oss-sse-hyper --bench "$bench" --no-run --message-format=json 2>/dev/null) \
      | grep -o '"executable":"[^"]*"' | cut -d'"' -f4 | grep "/$bench-" | tail -1 \
      | xargs -I{} cp {} "$bin"
    git worktree remove --force "$wt"
  fi
  bins+=("$bin")
done
for ((i = 1; i <= runs; i++)); do
  for bin in "${bins[@]}"; do
    out=$(OSS_SSE_BENCH_ROUNDS=21 OSS_SSE_BENCH_BIG_KEYS=0 "$bin" --bench 2>&1)
    ratios=$(echo "$out" | grep -oE "[0-9.]+% \(median" | cut -d% -f1 | paste -sd/)
    task=$(echo "$out" | grep "CPU per page" | tail -1 |
      grep -oE "SDK client [0-9]+ us|wall per page: SDK [0-9]+ us, bare [0-9]+ us" | paste -sd' ')
    echo "$(basename "$bin"): block_on/task ${ratios}% | in the task: $task"
  done
done
