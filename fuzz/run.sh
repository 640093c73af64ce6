#!/usr/bin/env bash
# Builds and runs the libFuzzer targets of fuzz/Package.swift.
#   fuzz/run.sh build
#   fuzz/run.sh run <target|all> <seconds> [runs]   each target for <seconds>, or for [runs]
#                                                   executions when given (then seconds is a cap)
# New inputs go to fuzz/.work/corpus/<target> (not committed); the seed corpus fuzz/corpus/<target>
# and the crash reproducers fuzz/regressions/<target> are read (replayed) first. A crash, leak,
# timeout (-timeout=2) or RSS above 1 GB (-rss_limit_mb=1024) writes fuzz/.work/crash-<target>-*
# and fails the run; FUZZ_TIMEOUT=<s> changes the 2 s (wall-clock) limit. The last line per
# target gives executions and rate.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
targets=(png idx csv npy labels model pipeline jpeg cifar npz gestats tsnemap plugin)
# Optimised (-O keeps Swift's bounds and overflow checks; the code has no assert()), so a campaign
# runs 2-15x more executions per second than a debug build; FUZZ_CONFIG=debug for a debugger.
config=${FUZZ_CONFIG:-release}
flags=(-c "$config" -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=fuzzer-no-link,address)
bin=".build/x86_64-unknown-linux-gnu/$config"

build() { swift build "${flags[@]}" 2>&1 | grep -vE "Cannot export local symbol" | tail -n 3; }

run_one() {
  local target=$1 seconds=$2 runs=${3:-}
  local binary="$bin/fuzz-$target"
  mkdir -p ".work/corpus/$target"
  local args=(-timeout="${FUZZ_TIMEOUT:-2}" -rss_limit_mb=1024 -max_total_time="$seconds" -print_final_stats=1
    -artifact_prefix=".work/crash-$target-" -close_fd_mask=1)
  [ -n "$runs" ] && args+=(-runs="$runs")
  # a fixed seed and a run count make a run repeatable (the smoke in `make test` uses both)
  [ -n "${FUZZ_SEED:-}" ] && args+=(-seed="$FUZZ_SEED")
  [ -f "dict/$target.dict" ] && args+=(-dict="dict/$target.dict")
  local log=".work/$target.log"
  local status=0
  local seeds=("corpus/$target")
  [ -d "regressions/$target" ] && seeds+=("regressions/$target")
  # LeakSanitizer reads the suppressions `make asan` uses (scripts/lsan.supp: memory of Swift's
  # one-time global initialisers and weak-reference side tables, which its scan cannot see held)
  # a smaller quarantine than ASan's 256 MB, so RSS above the limit means the parser's memory
  ASAN_OPTIONS="${ASAN_OPTIONS:-quarantine_size_mb=64:detect_leaks=1}" \
    LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$here/../scripts/lsan.supp:print_suppressions=0}" \
    "$binary" "${args[@]}" ".work/corpus/$target" "${seeds[@]}" >"$log" 2>&1 || status=$?
  local execs rate
  execs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}' | tail -n 1)
  rate=$(grep -E '^stat::average_exec_per_sec' "$log" | awk '{print $2}' | tail -n 1)
  if [ $status -ne 0 ]; then
    echo "fuzz $target: FAILED after ${execs:-?} executions (exit $status); see fuzz/$log and fuzz/.work/crash-$target-*"
    grep -E "ERROR|SUMMARY|==[0-9]+==|Fatal error|Test unit written" "$log" | head -n 8
    return 1
  fi
  echo "fuzz $target: ${execs:-?} executions, ${rate:-?} exec/s, no crash, leak or timeout"
}

case "${1:-}" in
  build) build ;;
  run)
    [ "${2:-}" = all ] && list=("${targets[@]}") || list=("$2")
    [ -x "$bin/fuzz-${list[0]}" ] || build
    failed=0
    for target in "${list[@]}"; do run_one "$target" "${3:-20}" "${4:-}" || failed=1; done
    exit $failed
    ;;
  *) sed -n '2,9p' "$0"; exit 2 ;;
esac
