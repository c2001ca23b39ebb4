#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan) into build-fuzz, replays the regression corpus
# and fuzzes each target for a fixed time. Exits non-zero on any crash, leak, timeout or failed
# invariant.
#   tests/fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]     (default 60 s, every *_fuzz.cpp)
#   tests/fuzz/run.sh --build-only [TARGET...]             (build the targets, run nothing)
# Inputs per target <t>:
#   tests/fuzz/regressions/<t>/  inputs that once crashed (replayed one by one first, then seeds)
#   tests/fuzz/corpus/<t>/       committed seeds (extracted from the test data)
#   tests/fuzz/<t>.seeds         more seed folders from the repository, one per line
# A crash input is saved under build-fuzz/crashes/<t>/: fix the bug in the owning module, then
# copy the input into tests/fuzz/regressions/<t>/. The grown corpus stays in build-fuzz/corpus/<t>/
# between runs. The long run (README "Reliability"): tests/fuzz/run.sh 300 (or more).
set -euo pipefail
cd "$(dirname "$0")/../.."
build=build-fuzz
build_only=0
if [ "${1:-}" = --build-only ]; then build_only=1; shift; secs=0; else secs=${1:-60}; shift || true; fi
if [ "$build_only" = 0 ] && ! [[ "$secs" =~ ^[1-9][0-9]*$ ]]; then
  # (libFuzzer reads -max_total_time=0 as "no limit")
  echo "fuzz: seconds per target must be a whole number of at least 1, not '$secs'" >&2; exit 2
fi
if ! command -v clang++ >/dev/null; then echo "fuzz: clang++ not installed (apt-get install clang libfuzzer-14-dev)" >&2; exit 1; fi
targets=()
for t in "$@"; do [[ " ${targets[*]} " == *" $t "* ]] || targets+=("$t"); done  # each once
if [ ${#targets[@]} -eq 0 ]; then
  for src in tests/fuzz/*_fuzz.cpp; do targets+=("$(basename "$src" _fuzz.cpp)"); done
fi
for t in "${targets[@]}"; do
  [ -f "tests/fuzz/${t}_fuzz.cpp" ] || { echo "fuzz: no target '$t' (no tests/fuzz/${t}_fuzz.cpp)" >&2; exit 2; }
done
export UPLIFT_SOURCE_DIR=$PWD
# -O1 -g1 (line tables): what libFuzzer builds usually use; lighter to compile than -O2 -g.
CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DUPLIFT_FUZZ=ON -DUPLIFT_E2E=OFF >/dev/null
cmake --build "$build" -j"${JOBS:-2}" --target $(printf 'fuzz_%s ' "${targets[@]}")
[ "$build_only" = 1 ] && exit 0

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# One target: its regressions, then fuzzing. Writes its report to <build>/<t>.result and the runs
# it made to <build>/<t>.execs; fails when anything crashed.
fuzz_target() {
  local t=$1
  local bin=$build/fuzz_$t work=$build/corpus/$t crashes=$build/crashes/$t log=$build/$t.log
  local result=$build/$t.result
  mkdir -p "$work" "$crashes"
  echo 0 >"$build/$t.execs"
  # 1. Regressions: every input that ever crashed runs once, on its own.
  local regressions
  mapfile -t regressions < <(find "tests/fuzz/regressions/$t" -type f 2>/dev/null | sort)
  if [ ${#regressions[@]} -gt 0 ]; then
    if ! "$bin" -rss_limit_mb=2048 -timeout=10 "${regressions[@]}" >"$log" 2>&1; then
      { echo "fuzz_$t: a regression input crashes again — see $log"; tail -40 "$log"; } >"$result"
      return 1
    fi
  fi
  # 2. Fuzz from the grown corpus, the committed seeds and the repository's test data.
  local seeds=("tests/fuzz/corpus/$t" "tests/fuzz/regressions/$t") existing=() d
  [ -f "tests/fuzz/$t.seeds" ] && while read -r d; do [ -n "$d" ] && seeds+=("$d"); done <"tests/fuzz/$t.seeds"
  for d in "${seeds[@]}"; do [ -d "$d" ] && existing+=("$d"); done
  if ! "$bin" "$work" "${existing[@]}" -max_total_time="$secs" -max_len=65536 -timeout=10 \
      -rss_limit_mb=2048 -artifact_prefix="$crashes/" -print_final_stats=1 >"$log" 2>&1; then
    { echo "fuzz_$t FAILED — see $log; crash inputs in $crashes"; tail -40 "$log"; } >"$result"
    return 1
  fi
  local execs cov
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
  echo "fuzz_$t: ok, ${execs:-?} runs in ${secs}s, ${#regressions[@]} regressions replayed, $cov" >"$result"
  echo "${execs:-0}" >"$build/$t.execs"
}

# Each libFuzzer process uses one core: JOBS targets (default 2) run at a time. Reports are
# printed in the targets' order once all have finished.
parallel=${JOBS:-2}
[[ "$parallel" =~ ^[1-9][0-9]*$ ]] || parallel=1
# An interrupted run leaves no fuzzer behind: each job's fuzzer (its child), then the job.
trap 'for p in $(jobs -p); do pkill -TERM -P "$p"; kill "$p"; done 2>/dev/null' EXIT
trap 'exit 130' INT TERM
for t in "${targets[@]}"; do
  rm -f "$build/$t.result" "$build/$t.failed"
  (fuzz_target "$t" || touch "$build/$t.failed") &
  while [ "$(jobs -rp | wc -l)" -ge "$parallel" ]; do wait -n || true; done
done
wait
rc=0 total_execs=0
for t in "${targets[@]}"; do
  if [ -f "$build/$t.failed" ] || [ ! -f "$build/$t.result" ]; then
    rc=1
    if [ -f "$build/$t.result" ]; then cat "$build/$t.result" >&2; else echo "fuzz_$t: no report (see $build/$t.log)" >&2; fi
  else
    cat "$build/$t.result"
    total_execs=$((total_execs + $(cat "$build/$t.execs")))
  fi
done
echo "fuzz: ${#targets[@]} targets, $total_execs runs, $([ $rc -eq 0 ] && echo 'no crashes' || echo 'FAILED')"
exit $rc
