#!/usr/bin/env bash
# Objects per second of one process, of N shard processes, and of the Dask example, on this
# machine, against one release emulator in memory: the figures of docs/scale.md.
#
#   cargo build --release -p oss-sse-emulator -p oss-sse-cli
#   (cd bindings/python && ../../.venv/bin/python -m maturin develop --release)
#   bench/scale.sh [OBJECTS] [SHARDS]        # default 100000 objects, 2 shards
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-100000}"
SHARDS="${2:-2}"
BIN=target/release
PY=.venv/bin/python

"$BIN/oss-sse-emulator" --listen 127.0.0.1:0 >/tmp/scale-emu.out 2>/dev/null &
EMU=$!
trap 'kill $EMU 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -s /tmp/scale-emu.out ] && break; sleep 0.1; done
EP="$(head -n1 /tmp/scale-emu.out)"
export OSS_ENDPOINT="$EP" OSS_REGION=cn-hangzhou OSS_ACCESS_KEY_ID=oss-sse-dev-akid OSS_ACCESS_KEY_SECRET=oss-sse-dev-secret
export OSS_SSE_CONFIG=/nonexistent
seed() { # bucket
  "$BIN/oss-sse" bucket create "$1" >/dev/null
  curl -sf -X POST "$EP/-/seed" -H 'content-type: application/json' \
    -d "{\"bucket\":\"$1\",\"count\":$N,\"size\":256}" >/dev/null
}
rate() { # label start-ns
  local secs; secs=$(echo "scale=3; ($(date +%s%N) - $2) / 1000000000" | bc)
  printf '%-40s %8d objects in %6.1f s: %8.0f objects/s\n' "$1" "$N" "$secs" "$(echo "$N / $secs" | bc -l)"
}

echo "== one process (oss-sse CLI)"
seed one
t=$(date +%s%N); "$BIN/oss-sse" audit oss://one --policy AES256 >/dev/null || true; rate "audit, 1 process" "$t"
t=$(date +%s%N); "$BIN/oss-sse" reencrypt oss://one --to AES256 --concurrency 64 >/dev/null; rate "reencrypt, 1 process" "$t"

echo "== $SHARDS shard processes (oss-sse CLI --shard I/$SHARDS, in parallel)"
seed sharded
t=$(date +%s%N)
pids=()
for i in $(seq 0 $((SHARDS - 1))); do
  "$BIN/oss-sse" audit oss://sharded --policy AES256 --shard "$i/$SHARDS" >/dev/null &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || true; done
rate "audit, $SHARDS shards" "$t"
t=$(date +%s%N)
pids=()
rm -f /tmp/scale-journal-*.jsonl
for i in $(seq 0 $((SHARDS - 1))); do
  "$BIN/oss-sse" reencrypt oss://sharded --to AES256 --concurrency 64 --shard "$i/$SHARDS" \
    --journal "/tmp/scale-journal-$i.jsonl" >/dev/null &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
rm -f /tmp/scale-journal-*.jsonl
rate "reencrypt, $SHARDS shards" "$t"

echo "== Dask (examples/python/dask_reencrypt.py, LocalCluster of 2 worker processes, own emulator)"
"$PY" examples/python/dask_reencrypt.py --local --objects "$N" --workers 2 --to AES256 | grep -E "audit:|reencrypt:"
