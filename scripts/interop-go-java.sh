#!/usr/bin/env bash
# Interop tests: the official Go SDK v2 (alibabacloud-oss-go-sdk-v2 v1.6.1, Signature V4) and Java SDK
# (aliyun-sdk-oss 3.18.1, Signature V1 and V4) against the emulator, plus the Java bucket-encryption
# example (examples/java). One fresh emulator per suite.
#
#   OSS_SSE_EMULATOR_BIN   emulator binary (default: target/debug/oss-sse-emulator; this script does not build it:
#                          `cargo build -p oss-sse-emulator`)
#
# Needs go (>= 1.22), java (>= 17) and mvn. Everything downloaded (Go modules, Maven artifacts) comes from the
# Go module proxy and Maven Central and is cached under .cache/ in the repo (ignored by git): .cache/go
# (GOPATH, GOMODCACHE, GOCACHE) and .cache/m2 (-Dmaven.repo.local). go.sum pins the Go modules and the build
# runs with -mod=readonly. Fails if any suite fails, prints no summary line, or the example misbehaves.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
cd "$REPO"

start=$(date +%s)
step() { printf '\n==> [%ss] %s\n' "$(( $(date +%s) - start ))" "$*"; }
die() { echo "interop-go-java: $*" >&2; exit 1; }

EMULATOR_BIN="${OSS_SSE_EMULATOR_BIN:-$REPO/target/debug/oss-sse-emulator}"
[ -x "$EMULATOR_BIN" ] || die "emulator binary not found at $EMULATOR_BIN: run \`cargo build -p oss-sse-emulator\` or set OSS_SSE_EMULATOR_BIN"
for tool in go java mvn; do
  command -v "$tool" >/dev/null || die "'$tool' is not installed"
done

REGION=cn-hangzhou
ACCESS_KEY_ID=AKID
ACCESS_KEY_SECRET=SECRET
KMS_KEY_ID=9468da86-3509-4f8d-a61e-6eab1eac0001
START_TIMEOUT_SECS=30

# Never send loopback traffic through a proxy from the environment.
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
export no_proxy="$NO_PROXY"

CACHE="$REPO/.cache"
export GOPATH="$CACHE/go"
export GOMODCACHE="$CACHE/go/mod"
export GOCACHE="$CACHE/go/build"
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=readonly"
export GOTOOLCHAIN=local
MVN=(mvn -B -q -Dstyle.color=never "-Dmaven.repo.local=$CACHE/m2")

RUN_DIR="$(mktemp -d "${TMPDIR:-/tmp}/interop-go-java.XXXXXX")"
EMU_PID=""
stop_emulator() {
  if [ -n "$EMU_PID" ] && kill -0 "$EMU_PID" 2>/dev/null; then
    # SIGTERM: a background job of a non-interactive shell ignores SIGINT. The data dir is thrown away.
    kill -TERM "$EMU_PID" 2>/dev/null || true
    for _ in $(seq 50); do
      kill -0 "$EMU_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$EMU_PID" 2>/dev/null || true
  fi
  [ -n "$EMU_PID" ] && wait "$EMU_PID" 2>/dev/null || true
  EMU_PID=""
}
cleanup() {
  stop_emulator
  rm -rf "$RUN_DIR"
}
trap cleanup EXIT

# start_emulator NAME: a fresh emulator with its own data dir; exports OSS_ENDPOINT and friends.
start_emulator() {
  local name="$1" dir="$RUN_DIR/$1"
  mkdir -p "$dir/data"
  "$EMULATOR_BIN" --listen 127.0.0.1:0 --region "$REGION" \
    --access-key-id "$ACCESS_KEY_ID" --access-key-secret "$ACCESS_KEY_SECRET" \
    --kms-key "$KMS_KEY_ID" --data-dir "$dir/data" \
    </dev/null >"$dir/stdout" 2>"$dir/stderr" &
  EMU_PID=$!
  local deadline=$(( $(date +%s) + START_TIMEOUT_SECS )) line=""
  while :; do
    if [ -s "$dir/stdout" ] && line="$(head -n 1 "$dir/stdout")" && [ "$(wc -l <"$dir/stdout")" -ge 1 ]; then
      break
    fi
    if ! kill -0 "$EMU_PID" 2>/dev/null; then
      cat "$dir/stderr" >&2
      die "emulator for $name exited before printing its endpoint"
    fi
    [ "$(date +%s)" -lt "$deadline" ] || { cat "$dir/stderr" >&2; die "emulator for $name did not print its endpoint in ${START_TIMEOUT_SECS}s"; }
    sleep 0.1
  done
  case "$line" in
    http://127.0.0.1:*) ;;
    *) die "unexpected emulator endpoint line: $line" ;;
  esac
  export OSS_ENDPOINT="$line" OSS_REGION="$REGION" OSS_ACCESS_KEY_ID="$ACCESS_KEY_ID" \
    OSS_ACCESS_KEY_SECRET="$ACCESS_KEY_SECRET" OSS_KMS_KEY_ID="$KMS_KEY_ID"
  echo "emulator for $name: $OSS_ENDPOINT (pid $EMU_PID)"
}

# ---------------------------------------------------------------------------------------------------
step "build: Go suite (tests/interop-go; modules from the Go proxy into .cache/go, go.sum pinned)"
GO_BIN="$RUN_DIR/interop-go"
(cd tests/interop-go && go build -o "$GO_BIN" .)

step "build: Java suite (tests/interop-java) and example (examples/java); Maven Central into .cache/m2"
for project in tests/interop-java examples/java; do
  # Debian's Maven prints ANSI resets even in batch mode; strip them from the log.
  "${MVN[@]}" -f "$project/pom.xml" compile dependency:build-classpath \
    -Dmdep.outputFile=target/classpath.txt 2>&1 | sed -e 's/\x1b\[[0-9;]*m//g' -e '/^$/d'
done
JAVA_SUITE_CP="tests/interop-java/target/classes:$(cat tests/interop-java/target/classpath.txt)"
EXAMPLE_CP="examples/java/target/classes:$(cat examples/java/target/classpath.txt)"

# ---------------------------------------------------------------------------------------------------
TOTAL_PASSED=0
TOTAL_FAILED=0
TOTAL_SKIPPED=0
FAILED_SUITES=()

# run_suite LABEL CMD...: runs one suite against a fresh emulator and adds up its summary line
# ("<label>: N passed, M failed, K skipped", the last line it prints).
run_suite() {
  local label="$1"; shift
  step "suite $label"
  start_emulator "$label"
  local log="$RUN_DIR/$label.log" rc=0
  "$@" 2>&1 | tee "$log" || rc=$?
  stop_emulator
  local summary
  summary="$(grep -E '^[A-Za-z0-9-]+: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$log" | tail -n 1 || true)"
  if [ -z "$summary" ]; then
    echo "interop-go-java: suite $label printed no summary line (exit $rc)" >&2
    TOTAL_FAILED=$(( TOTAL_FAILED + 1 ))
    FAILED_SUITES+=("$label")
    return
  fi
  local p f s
  read -r p f s <<<"$(sed -E 's/^.*: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$/\1 \2 \3/' <<<"$summary")"
  TOTAL_PASSED=$(( TOTAL_PASSED + p ))
  TOTAL_SKIPPED=$(( TOTAL_SKIPPED + s ))
  if [ "$rc" -ne 0 ] || [ "$f" -ne 0 ]; then
    # A suite also exits non-zero when too few checks passed; count that as a failure.
    TOTAL_FAILED=$(( TOTAL_FAILED + (f > 0 ? f : 1) ))
    FAILED_SUITES+=("$label")
  fi
}

run_suite go-v2 "$GO_BIN"
run_suite java-v1 java -cp "$JAVA_SUITE_CP" ossinterop.InteropSuite v1
run_suite java-v4 java -cp "$JAVA_SUITE_CP" ossinterop.InteropSuite v4

step "example: examples/java (the documentation's SetBucketEncryption / GetBucketEncryption / DeleteBucketEncryption)"
start_emulator example
example_log="$RUN_DIR/example.log"
rc=0
OSS_BUCKET="example-$(date +%s)-$$" java -cp "$EXAMPLE_CP" example.BucketEncryption 2>&1 | tee "$example_log" || rc=$?
stop_emulator
if [ "$rc" -eq 0 ] && grep -qx "SSE algorithm: KMS" "$example_log" && grep -qx "KMS key id: $KMS_KEY_ID" "$example_log"; then
  TOTAL_PASSED=$(( TOTAL_PASSED + 1 ))
  echo "example: PASS (read back KMS and $KMS_KEY_ID)"
else
  TOTAL_FAILED=$(( TOTAL_FAILED + 1 ))
  FAILED_SUITES+=("example")
  echo "example: FAIL (exit $rc; expected the lines 'SSE algorithm: KMS' and 'KMS key id: $KMS_KEY_ID')" >&2
fi

step "done"
if [ "${#FAILED_SUITES[@]}" -gt 0 ]; then
  echo "interop-go-java: failing: ${FAILED_SUITES[*]}"
fi
echo "interop-go-java: $TOTAL_PASSED passed, $TOTAL_FAILED failed, $TOTAL_SKIPPED skipped"
[ "${#FAILED_SUITES[@]}" -eq 0 ]
