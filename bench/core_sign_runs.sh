#!/usr/bin/env bash
# Runs the core's V4 header-signing benchmarks several times and prints each run's
# estimate, then the minimum, median and maximum per benchmark. This machine's run-to-run
# noise (about ±10%) is larger than the differences a single criterion run can show, so
# docs/benchmarks.md quotes the spread from this script.
#
#   bench/core_sign_runs.sh [RUNS] [CRITERION FILTER]
#
# Defaults: 5 runs of 'sign/v4_header/(oss|reqsign-aliyun-oss$)'.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
filter=${2:-'sign/v4_header/(oss|reqsign-aliyun-oss$)'}
cargo bench -p oss-sse-core --bench core --no-run --locked >/dev/null 2>&1
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for i in $(seq "$runs"); do
  # criterion prints "<name>\n  time: [lo est hi]" (or both on one line for short names),
  # then a "time: [..%..]" change line; keep the estimate, in nanoseconds.
  cargo bench -p oss-sse-core --bench core --locked -- --warm-up-time 1 \
    --measurement-time 5 --noplot "$filter" 2>/dev/null |
    awk -v run="$i" '
      /^[a-z0-9_]+\/[^ ]/ { name = $0; sub(/ +time:.*/, "", name) }
      /time: +\[/ && !/%/ {
        line = $0; sub(/.*time: +\[/, "", line); split(line, f, " ");
        v = f[3]; u = f[4];
        if (u == "µs") v *= 1000; else if (u == "ms") v *= 1e6;
        printf "%s\t%s\t%.1f\n", run, name, v
      }' | tee -a "$out"
done
echo
echo "benchmark (ns per request): min / median / max over $runs runs"
sort -t$'\t' -k2,2 -k3,3n "$out" | awk -F'\t' '
  function flush() {
    if (n) printf "%-62s %8.1f %8.1f %8.1f\n", cur, v[1], v[int((n + 1) / 2)], v[n]
  }
  $2 != cur { flush(); cur = $2; n = 0 }
  { v[++n] = $3 }
  END { flush() }'
