#!/usr/bin/env bash
# Interleaved A/B runs of a bench for two or more git revisions, so that every build sees
# the same machine load. On this VM the same binary moves by 10-25% from one minute to the
# next, so a criterion baseline saved a few minutes earlier, or two runs taken apart,
# compare the machine's moods as much as the code.
#
#   bench/ab.sh [-n RUNS] [-b BENCH] REV [REV...]
#
# BENCH is one of
#   listing           crates/oss-sse-hyper/benches/listing.rs under glibc (the default):
#                     per run, the stream/bare ratio on the block_on thread and in a spawned
#                     task, and in the task the SDK client's CPU and both loops' wall time
#                     per page (OSS_SSE_BENCH_ROUNDS=21, no million-object part);
#   listing_mimalloc  the same under mimalloc;
#   core:FILTER       crates/oss-sse-core/benches/core.rs, the benchmarks matching FILTER
#                     (e.g. core:list_objects_v2/1000), 3 s each: the mean time per run.
# Each revision's binary is built once (a worktree under target/ab sharing this checkout's
# target directory), then the binaries run in turn, RUNS rounds (default 3).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=3
bench=listing
usage() { echo "usage: $0 [-n RUNS] [-b listing|listing_mimalloc|core:FILTER] REV [REV...]" >&2; exit 2; }
while getopts "n:b:" o; do
  case $o in
    n) runs=$OPTARG ;;
    b) bench=$OPTARG ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || usage
case $bench in
  listing | listing_mimalloc) pkg=oss-sse-hyper name=$bench ;;
  core:*) pkg=oss-sse-core name=core filter=${bench#core:} ;;
  *) usage ;;
esac
root=$PWD
target=${CARGO_TARGET_DIR:-$root/target}
mkdir -p "$target/ab"
bins=()
for rev in "$@"; do
  sha=$(git rev-parse --short "$rev")
  wt=$target/ab/wt-$sha
  bin=$target/ab/$name-$sha
  if [ ! -x "$bin" ]; then
    [ -d "$wt" ] || git worktree add --detach -q "$wt" "$sha"
    (cd "$wt" && CARGO_TARGET_DIR=$target cargo bench -p "$pkg" --bench "$name" --no-run --message-format=json 2>/dev/null) \
      | grep -o '"executable":"[^"]*"' | cut -d'"' -f4 | grep "/$name-" | tail -1 \
      | xargs -I{} cp {} "$bin"
    git worktree remove --force "$wt"
  fi
  bins+=("$bin")
done
for ((i = 1; i <= runs; i++)); do
  for bin in "${bins[@]}"; do
    if [ "$pkg" = oss-sse-core ]; then
      "$bin" --bench "$filter" --measurement-time 3 --warm-up-time 1 --noplot --discard-baseline 2>&1 |
        awk -v b="$(basename "$bin")" '/^[^ ]/ {name=$1} /change:/ {skip=1; next}
          /time:/ {if (!skip) print b": "name" "$4" "$5; skip=0}'
      continue
    fi
    out=$(OSS_SSE_BENCH_ROUNDS=21 OSS_SSE_BENCH_BIG_KEYS=0 "$bin" --bench 2>&1)
    ratios=$(echo "$out" | grep -oE "[0-9.]+% \(median" | cut -d% -f1 | paste -sd/)
    task=$(echo "$out" | grep "CPU per page" | tail -1 |
      grep -oE "SDK client [0-9]+ us|wall per page: SDK [0-9]+ us, bare [0-9]+ us" | paste -sd' ')
    echo "$(basename "$bin"): block_on/task ${ratios}% | in the task: $task"
  done
done
