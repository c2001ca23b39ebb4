#!/usr/bin/env bash
# ROI report benchmark: `uplift report --quarter 2026Q3 --bootstrap 1000` (every program's
# participants, ARR influenced, naive and DiD usage lift with 1,000-resample bootstrap CIs, ARR
# lift, dose-response, conversion, stages, CSM movement) from a SQLite store, versus DuckDB
# (bench/report/duckdb_prepost.mjs) computing the same pre/post aggregates of the accelerator
# cohort (participants vs holdout, 30-day windows) from the same demo data, in the same run.
# The two sides' pre/post sums are checked against each other before any number is kept.
#   bench/report/run.sh [--scale small|full]
#     small: 10,000 demo accounts, ~1M events;  full: 100,000 accounts, ~10M events
#     (demo data and its SQLite import are cached in bench/work/report/ and not timed)
# Goal (issue 8): <= 5 s at full scale and within 2x of DuckDB, medians of REPORT_RUNS (3)
# alternating runs per side. Writes bench/results/report.json.
# Setup (not timed) also runs `uplift rebuild`, which saves every account's milestone state with
# a watermark, as the server keeps them saved: the timed report then reads those states and only
# the target events (the report's normal path on a current store). The previous configuration,
# re-evaluating every account from all events (`uplift report --evaluate`), is timed as well and
# kept in the results; both reports must be identical.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
source bench/lib/scale.sh
bench_scale report "$@"
case "$scale" in
  small) ACCOUNTS=10000 ;;
  full) ACCOUNTS=100000 ;;
  *) echo "bench/report: --scale must be small or full" >&2; exit 2 ;;
esac
EPA=30 QUARTER=2026Q3 PROGRAM=data_manager_accelerator EVENT=data_manager_edit
BIN=${UPLIFT_BIN:-$ROOT/build/uplift}
[ -x "$BIN" ] || { echo "bench/report: $BIN not built (./run build)" >&2; exit 2; }
command -v node >/dev/null || { echo "bench/report: node missing" >&2; exit 2; }
source bench/lib/npm.sh
npm_install bench/report
source bench/lib/common.sh
export UPLIFT_CONFIG_DIR=$ROOT

WORK=$ROOT/bench/work/report
mkdir -p "$WORK" bench/results
MACHINE=$(bench_machine_json)
DATA=$WORK/data-$scale-$EPA DB=sqlite:$DATA/uplift.db
if [ ! -f "$DATA/.imported" ]; then
  rm -rf "$DATA"
  echo "==> report: demo data ($ACCOUNTS accounts, ~$EPA events each) and import (not timed)"
  "$BIN" demo generate --accounts "$ACCOUNTS" --seed 21 --events-per-account "$EPA" --out "$DATA" >/dev/null
  "$BIN" import --db "$DB" -q "$DATA"/*.ndjson
  "$BIN" cohorts import --db "$DB" "$DATA/cohorts.json"
  touch "$DATA/.imported"
fi
if [ ! -f "$DATA/.rebuilt" ]; then
  echo "==> report: uplift rebuild (saves the milestone states; not timed)"
  "$BIN" rebuild --db "$DB" >/dev/null 2>&1
  touch "$DATA/.rebuilt"
fi
EVENTS=$(wc -l <"$DATA/events.ndjson")
cat "$DATA/events.ndjson" >/dev/null  # page cache warm for DuckDB's read, as SQLite's file is after import

now() { date +%s.%N; }
# Each side runs RUNS times, alternating (a shared 2-core VM swings ±20 % from run to run); the
# medians are compared, and every run is kept in the results.
RUNS=${REPORT_RUNS:-3}
: >"$WORK/runs.txt"
for i in $(seq 1 "$RUNS"); do
  echo "==> [$i/$RUNS] uplift report --quarter $QUARTER --bootstrap 1000 ($ACCOUNTS accounts, $EVENTS events)"
  TIMECMD=()  # GNU time, when present, records the peak RSS
  [ -x /usr/bin/time ] && TIMECMD=(/usr/bin/time -f '%M' -o "$WORK/uplift.maxrss.$i")
  echo 0 >"$WORK/uplift.maxrss.$i"
  t0=$(now)
  "${TIMECMD[@]}" "$BIN" report --db "$DB" --quarter "$QUARTER" --format json --bootstrap 1000 --timing \
    --out "$WORK/report.$i.json" 2>"$WORK/uplift.timing.$i" >/dev/null
  t1=$(now)
  cat "$WORK/uplift.timing.$i"
  grep -q '"states": "stored"' "$WORK/uplift.timing.$i" || { echo "bench/report: the report did not use the stored states" >&2; exit 1; }
  [ "$i" = 1 ] || cmp -s "$WORK/report.1.json" "$WORK/report.$i.json" || { echo "bench/report: runs gave different reports" >&2; exit 1; }
  echo "==> [$i/$RUNS] DuckDB pre/post aggregates (load NDJSON + query)"
  t2=$(now)
  node bench/report/duckdb_prepost.mjs "$DATA" "$PROGRAM" "$EVENT" 2026-09-30 >"$WORK/duckdb.$i.json"
  t3=$(now)
  cat "$WORK/duckdb.$i.json"
  echo "$i $t0 $t1 $t2 $t3" >>"$WORK/runs.txt"
done
cp "$WORK/report.1.json" "$WORK/report.json"
echo "==> uplift report --evaluate (previous configuration: every account evaluated from all events)"
e0=$(now)
"$BIN" report --db "$DB" --quarter "$QUARTER" --format json --bootstrap 1000 --timing --evaluate --out "$WORK/report-evaluated.json" \
  2>"$WORK/uplift-evaluated.timing" >/dev/null
e1=$(now)
cat "$WORK/uplift-evaluated.timing"
cmp -s "$WORK/report.json" "$WORK/report-evaluated.json" || { echo "bench/report: stored-state and evaluated reports differ" >&2; exit 1; }

python3 - "$WORK" "$scale" "$ACCOUNTS" "$EVENTS" "$PROGRAM" "$MACHINE" "$e0" "$e1" <<'PY' > bench/results/report.json
import json, statistics, sys
work, scale, accounts, events, program = sys.argv[1:6]
machine = json.loads(sys.argv[6]); e0, e1 = map(float, sys.argv[7:9])
runs = []
for line in open(f"{work}/runs.txt"):
    i, t0, t1, t2, t3 = line.split()
    duck_i = json.load(open(f"{work}/duckdb.{i}.json"))
    runs.append({"run": int(i), "uplift_s": float(t1) - float(t0), "duckdb_s": duck_i["load_s"] + duck_i["query_s"],
                 "duckdb_process_s": float(t3) - float(t2), "duck": duck_i,
                 "timing": next(json.loads(l) for l in open(f"{work}/uplift.timing.{i}") if l.startswith("{")),
                 "maxrss_kib": int(open(f"{work}/uplift.maxrss.{i}").read().split()[-1])})
def median_run(key):
    ordered = sorted(runs, key=lambda r: r[key])
    return ordered[(len(ordered) - 1) // 2]
up_run, duck_run = median_run("uplift_s"), median_run("duckdb_s")
timing, duck = up_run["timing"], duck_run["duck"]
t0, t1 = 0.0, up_run["uplift_s"]
t2, t3 = 0.0, duck_run["duckdb_process_s"]
maxrss_kib = max(r["maxrss_kib"] for r in runs)
evaluated = next(json.loads(l) for l in open(f"{work}/uplift-evaluated.timing") if l.startswith("{"))
report = json.load(open(f"{work}/report.json"))
# Same aggregates on both sides: the participants' and the holdout's pre/post sums.
progs = [p for p in report["programs"] if p["program"] == program and p.get("usage_lift", {}).get("control") == "holdout"]
if not progs:
    sys.exit(f"report: no {program} program with a holdout control in the report")
ul = progs[0]["usage_lift"]
arms = {a["arm"]: a for a in duck["arms"]}
# The naive figure's sums: every participant whose post-period ends by the as-of date. (The
# control is date-mixed, users only and tier-reweighted since issue 16: not a plain sum to check.)
observed = progs[0]["participants"] - progs[0]["unobserved"]["usage"]
mine = {"participants": (observed, ul["treated_pre_mean"] * observed, ul["treated_post_mean"] * observed)}
check = {}
for arm, (n, pre, post) in mine.items():
    d = arms.get(arm, {"accounts": 0, "pre": 0, "post": 0})
    # uplift's means are rounded to 2 decimals in the JSON: allow that rounding times n.
    ok = n == d["accounts"] and abs(pre - d["pre"]) <= 0.005 * n + 1e-6 and abs(post - d["post"]) <= 0.005 * n + 1e-6
    check[arm] = {"uplift": {"accounts": n, "pre": round(pre, 2), "post": round(post, 2)}, "duckdb": d, "match": ok}
if not all(c["match"] for c in check.values()):
    sys.exit(f"report: uplift and DuckDB disagree on the pre/post aggregates: {json.dumps(check)}")
up_total, duck_total = t1 - t0, duck["load_s"] + duck["query_s"]
out = {"benchmark": "report", "scale": scale,
       "workload": {"demo_accounts": int(accounts), "events": int(events), "quarter": report.get("quarter"),
                    "bootstrap_resamples": 1000, "program": program},
       "uplift": {"wall_s": round(up_total, 3), **timing, "max_rss_mib": round(maxrss_kib / 1024, 1) or None,
                  "usage_lift": ul},
       "uplift_evaluate": {"wall_s": round(e1 - e0, 3), **evaluated,
                           "note": "previous configuration: --evaluate, every account evaluated from all events; same report"},
       "duckdb": {**duck, "process_wall_s": round(t3 - t2, 3)},
       "runs": [{"run": r["run"], "uplift_s": round(r["uplift_s"], 3), "duckdb_s": round(r["duckdb_s"], 3),
                 "uplift_load_s": r["timing"]["load_s"], "uplift_report_s": r["timing"]["report_s"]} for r in runs],
       "method": f"median of {len(runs)} alternating runs per side",
       "aggregates_check": check,
       "comparisons": [
         {"metric": f"quarterly report, 1,000 bootstrap resamples ({int(events):,} events, load + compute; median of {len(runs)})", "unit": "s",
          "uplift": round(up_total, 3), "reference": round(duck_total, 3), "reference_tool": "DuckDB pre/post (load + query)",
          "ratio": round(up_total / duck_total, 2), "higher_is_better": False, "goal": "<= 5 s (full) and <= 2x",
          "met": up_total / duck_total <= 2 and (scale != "full" or up_total <= 5)},
         {"metric": "report compute only (data already in memory)", "unit": "s", "uplift": round(timing["report_s"], 3),
          "reference": round(duck["query_s"], 3), "reference_tool": "DuckDB query only",
          "ratio": round(timing["report_s"] / duck["query_s"], 2) if duck["query_s"] else None,
          "higher_is_better": False, "goal": "reported"},
         {"metric": "previous configuration: report --evaluate (every account evaluated from all events)", "unit": "s",
          "uplift": round(e1 - e0, 3), "reference": round(duck_total, 3), "reference_tool": "DuckDB pre/post (load + query)",
          "ratio": round((e1 - e0) / duck_total, 2), "higher_is_better": False, "goal": "reported"}],
       "machine": machine}
print(json.dumps(out, indent=2))
PY
python3 bench/lib/show.py bench/results/report.json
echo "==> wrote bench/results/report.json"
