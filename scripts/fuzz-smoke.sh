#!/usr/bin/env bash
# Fuzz smoke test: builds every cargo-fuzz target in fuzz/ and runs each one briefly.
#
#   scripts/fuzz-smoke.sh                    # 10 s per target
#   FUZZ_SECONDS=60 scripts/fuzz-smoke.sh    # longer
#   FUZZ_TARGETS="verify rule_xml" scripts/fuzz-smoke.sh
#   FUZZ_CORPUS=keep FUZZ_SECONDS=600 scripts/fuzz-smoke.sh   # a campaign that accumulates
#
# Needs a nightly toolchain (cargo-fuzz uses sanitizer flags); without one it says so and
# exits 0. Installs cargo-fuzz if missing. Prints executions and crashes per target (from
# libFuzzer's final stats and the new files in fuzz/artifacts/<target>/) and fails on any
# crash, leak, timeout or OOM.
#
# Corpus: by default each run starts from the checked-in seeds (fuzz/seeds/<target>/, which
# include the regression inputs of every issue found so far) in a fresh working directory, so
# the budget is all fuzzing: libFuzzer replays a whole corpus before it starts the clock, and a
# grown emulator_request corpus takes minutes to replay. FUZZ_CORPUS=keep uses and grows the
# git-ignored fuzz/corpus/<target>/ instead. See docs/reliability.md, "Fuzzing".
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

FUZZ_SECONDS="${FUZZ_SECONDS:-10}"
FUZZ_CORPUS="${FUZZ_CORPUS:-fresh}"
read -r -a TARGETS <<<"${FUZZ_TARGETS:-parse_response parse_error rule_xml verify emulator_request}"

if ! command -v rustup >/dev/null 2>&1 || ! rustup run nightly rustc --version >/dev/null 2>&1; then
  echo "fuzz-smoke: no nightly toolchain (rustup toolchain install nightly); skipping"
  exit 0
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "==> installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

echo "==> building fuzz targets ($(rustup run nightly rustc --version))"
start=$(date +%s)
cargo +nightly fuzz build
echo "    built in $(( $(date +%s) - start )) s"

# Per-target extra libFuzzer flags and read-only seed directories.
extra_args() {
  case "$1" in
    rule_xml) echo "-dict=$PWD/fuzz/dicts/oss-xml.dict" ;;
    parse_error | parse_response) echo "-dict=$PWD/fuzz/dicts/oss-xml.dict" ;;
    # Each input is a request sequence: start with full-length inputs, not tiny ones.
    emulator_request) echo "-len_control=0" ;;
  esac
}
seed_dirs() {
  [ -d "fuzz/seeds/$1" ] && echo "$PWD/fuzz/seeds/$1"
  return 0
}

logs=fuzz/target/smoke-logs
mkdir -p "$logs"
stamp="$logs/.start"
failed=0
summary=()
for t in "${TARGETS[@]}"; do
  mkdir -p "fuzz/artifacts/$t"
  if [ "$FUZZ_CORPUS" = keep ]; then
    corpus="$PWD/fuzz/corpus/$t"
  else
    corpus="$PWD/fuzz/target/smoke-corpus/$t"
    rm -rf "$corpus"
  fi
  mkdir -p "$corpus"
  touch "$stamp"
  sleep 1 # artifact mtimes must be strictly newer than the stamp
  log="$logs/$t.log"
  echo "==> $t: ${FUZZ_SECONDS} s"
  rc=0
  t0=$(date +%s)
  # shellcheck disable=SC2046 # the helpers print space-free words
  cargo +nightly fuzz run "$t" "$corpus" $(seed_dirs "$t") -- \
    -max_total_time="$FUZZ_SECONDS" -timeout=60 -print_final_stats=1 \
    $(extra_args "$t") >"$log" 2>&1 || rc=$?
  execs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log" | tail -n 1)
  crashes=$(find "fuzz/artifacts/$t" -maxdepth 1 -type f -newer "$stamp" \
    \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  line=$(printf '%-18s executions %-10s crashes %-3s (%s s)' "$t" "${execs:-?}" "$crashes" "$(( $(date +%s) - t0 ))")
  echo "    $line"
  summary+=("$line")
  if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ] || [ -z "$execs" ]; then
    failed=1
    echo "    FAILED (exit $rc); log: $log"
    grep -E "panicked at|^(thread|assertion)|SUMMARY|ERROR: libFuzzer|Test unit written" "$log" | head -n 20 | sed 's/^/      /'
    find "fuzz/artifacts/$t" -maxdepth 1 -type f -newer "$stamp" | sed 's/^/      artifact: /'
  fi
done

echo
echo "==> fuzz smoke summary (${FUZZ_SECONDS} s per target, corpus ${FUZZ_CORPUS}, $(( $(date +%s) - start )) s total)"
printf '    %s\n' "${summary[@]}"
if [ "$failed" -ne 0 ]; then
  echo "fuzz-smoke: FAILED (reproduce: cargo +nightly fuzz run <target> <artifact>)"
  exit 1
fi
echo "fuzz-smoke: ok"
