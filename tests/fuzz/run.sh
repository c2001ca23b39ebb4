#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan) into build-fuzz, replays the regression corpus
# and fuzzes each target for a fixed time. Exits non-zero on any crash, leak, timeout or failed
# invariant.
#   tests/fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]     (default 60 s, every *_fuzz.cpp)
# Inputs per target <t>:
#   tests/fuzz/regressions/<t>/  inputs that once crashed (replayed one by one first, then seeds)
#   tests/fuzz/corpus/<t>/       committed seeds (extracted from the test data)
#   tests/fuzz/<t>.seeds         more seed folders from the repository, one per line
# A crash input is saved under build-fuzz/crashes/<t>/: fix the bug in the owning module, then
# copy the input into tests/fuzz/regressions/<t>/. The grown corpus stays in build-fuzz/corpus/<t>/
# between runs. The long run (README "Reliability"): tests/fuzz/run.sh 300 (or more).
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-60}; shift || true
if ! command -v clang++ >/dev/null; then echo "fuzz: clang++ not installed (apt-get install clang libfuzzer-14-dev)" >&2; exit 1; fi
export UPLIFT_SOURCE_DIR=$PWD
# -O1 -g1 (line tables): what libFuzzer builds usually use; lighter to compile than -O2 -g.
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DUPLIFT_FUZZ=ON -DUPLIFT_E2E=OFF >/dev/null
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for src in tests/fuzz/*_fuzz.cpp; do targets+=("$(basename "$src" _fuzz.cpp)"); done
fi
cmake --build build-fuzz -j"${JOBS:-2}" --target $(printf 'fuzz_%s ' "${targets[@]}")

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
rc=0 total_execs=0
for t in "${targets[@]}"; do
  bin=build-fuzz/fuzz_$t work=build-fuzz/corpus/$t crashes=build-fuzz/crashes/$t log=build-fuzz/$t.log
  mkdir -p "$work" "$crashes"
  # 1. Regressions: every input that ever crashed runs once, on its own.
  mapfile -t regressions < <(find "tests/fuzz/regressions/$t" -type f 2>/dev/null | sort)
  if [ ${#regressions[@]} -gt 0 ]; then
    if ! "$bin" -rss_limit_mb=2048 -timeout=10 "${regressions[@]}" >"$log" 2>&1; then
      echo "fuzz_$t: a regression input crashes again — see $log" >&2
      tail -40 "$log" >&2
      rc=1
      continue
    fi
  fi
  # 2. Fuzz from the grown corpus, the committed seeds and the repository's test data.
  seeds=("tests/fuzz/corpus/$t" "tests/fuzz/regressions/$t")
  [ -f "tests/fuzz/$t.seeds" ] && while read -r d; do [ -n "$d" ] && seeds+=("$d"); done <"tests/fuzz/$t.seeds"
  existing=()
  for d in "${seeds[@]}"; do [ -d "$d" ] && existing+=("$d"); done
  if ! "$bin" "$work" "${existing[@]}" -max_total_time="$secs" -max_len=65536 -timeout=10 \
      -rss_limit_mb=2048 -artifact_prefix="$crashes/" -print_final_stats=1 >"$log" 2>&1; then
    echo "fuzz_$t FAILED — see $log; crash inputs in $crashes" >&2
    tail -40 "$log" >&2
    rc=1
  else
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
    echo "fuzz_$t: ok, ${execs:-?} runs in ${secs}s, ${#regressions[@]} regressions replayed, $cov"
    total_execs=$((total_execs + ${execs:-0}))
  fi
done
echo "fuzz: ${#targets[@]} targets, $total_execs runs, $([ $rc -eq 0 ] && echo 'no crashes' || echo 'FAILED')"
exit $rc
