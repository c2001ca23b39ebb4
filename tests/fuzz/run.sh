#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan) into build-fuzz and runs each one.
#   tests/fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]     (default 30 s, every target)
# Seed corpora come from tests/fuzz/corpus/<target>/ plus the repository's test data; any crash
# input found is saved under build-fuzz/crashes/<target>/ — add it to tests/fuzz/corpus/<target>/
# (the regression corpus) once fixed. The long run: tests/fuzz/run.sh 3600.
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-30}; shift || true
if ! command -v clang++ >/dev/null; then echo "fuzz: clang++ not installed" >&2; exit 1; fi
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DUPLIFT_FUZZ=ON \
  -DUPLIFT_E2E=OFF >/dev/null
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for src in tests/fuzz/*_fuzz.cpp; do n=$(basename "$src" _fuzz.cpp); targets+=("$n"); done
fi
cmake --build build-fuzz -j"${JOBS:-2}" --target $(printf 'fuzz_%s ' "${targets[@]}")
rc=0
for t in "${targets[@]}"; do
  work=build-fuzz/corpus/$t crashes=build-fuzz/crashes/$t
  mkdir -p "$work" "$crashes"
  seeds=(tests/fuzz/corpus/$t)
  [ -f "tests/fuzz/$t.seeds" ] && while read -r d; do [ -n "$d" ] && seeds+=("$d"); done <"tests/fuzz/$t.seeds"
  existing=()
  for d in "${seeds[@]}"; do [ -d "$d" ] && existing+=("$d"); done
  echo "==> fuzz_$t for ${secs}s (seeds: ${existing[*]:-none})"
  if ! build-fuzz/fuzz_$t "$work" "${existing[@]}" -max_total_time="$secs" -max_len=65536 -timeout=10 \
      -rss_limit_mb=2048 -artifact_prefix="$crashes/" -print_final_stats=1 >"build-fuzz/$t.log" 2>&1; then
    echo "fuzz_$t FAILED — see build-fuzz/$t.log; crash inputs in $crashes" >&2
    tail -40 "build-fuzz/$t.log" >&2
    rc=1
  else
    grep -E "stat::number_of_executed_units|Done [0-9]+ runs" "build-fuzz/$t.log" | tail -1
  fi
done
exit $rc
