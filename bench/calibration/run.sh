#!/usr/bin/env bash
# Calibration of the ROI estimators (issue 16): bench/calibration/calibrate.cpp runs the report's
# estimators over many generated programs with a planted effect (src/demo/lift_sim.h: tiers
# trending differently, selection on engagement and tier, noisy windows, zero-baseline accounts),
# with a randomized holdout and without (matched control), and measures against the planted truth:
# coverage of the 95 % interval, bias (with its Monte Carlo standard error), RMSE, the interval's
# width against the estimates' real spread, and the false-positive rate at lift 0.
#   bench/calibration/run.sh [--scale small|full]
#     small: 30 datasets per setting, 200 and 2,000 accounts, 300 resamples (a few minutes)
#     full:  1,000 datasets per setting at 50 and 200 accounts (a false-positive rate of 5 % is then
#            known to ±1.4 points) and 1,200 at 2,000 (bias needs them:
#            the Monte Carlo error of the mean bias is sd/√n), 1,000 resamples
# Goals: coverage 93-97 %, |bias| < 0.5 points at 2,000 accounts, false positives at lift 0 <= 6 %.
# The reference is the planted truth, not another tool. Writes bench/results/calibration.json.
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/lib/scale.sh
bench_scale calibration "$@"
mkdir -p bench/results build
cmake --build build -j"${JOBS:-2}" --target uplift_calibrate >/dev/null
BIN=build/uplift_calibrate
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
case "$scale" in
  small) runs=("200:30" "2000:30"); resamples=300 ;;
  full) runs=("50:1000" "200:1000" "2000:1200"); resamples=1000 ;;
  *) echo "bench/calibration: --scale must be small or full" >&2; exit 2 ;;
esac
start=$SECONDS
for r in "${runs[@]}"; do
  accounts=${r%%:*} datasets=${r##*:}
  echo "==> calibration: $accounts accounts, $datasets datasets per setting"
  "$BIN" --accounts "$accounts" --datasets "$datasets" --resamples "$resamples" --threads 2 > "$tmp/$accounts.json"
done
python3 bench/calibration/summarize.py "$scale" "$resamples" $((SECONDS - start)) "$tmp"/*.json > bench/results/calibration.json
python3 bench/calibration/summarize.py --table bench/results/calibration.json
