#!/usr/bin/env bash
# Mapped CSV import benchmark: `uplift import --map maps/salesforce-renewals.json` of a generated
# Salesforce renewal export (N rows: Salesforce ids resolved to accounts by alias, M/D/YYYY dates,
# "$144,500.00" amounts, stage → outcome, open stages skipped) into a fresh SQLite database that
# holds the accounts, against the sqlite3 CLI's `.import --csv` of the same file into a plain
# table (no conversion, no validation, no index), in the same run.
#   bench/import_map/run.sh [--scale small|full]     small: 200k rows; full: 200k and 2M rows
#   REPEAT=N (default 3): runs of each side, alternating; the medians are compared.
# Rows/s counts every data row read (skipped ones too). Writes bench/results/import_map.json.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
source bench/lib/scale.sh
bench_scale import_map "$@"
BIN=${UPLIFT_BIN:-$ROOT/build/uplift}
[ -x "$BIN" ] || { echo "bench/import_map: $BIN not built (./run build)" >&2; exit 2; }
command -v sqlite3 >/dev/null || { echo "bench/import_map: sqlite3 CLI missing" >&2; exit 2; }
sizes=(200000)
[ "$scale" = full ] && sizes=(200000 2000000)
REPEAT=${REPEAT:-3}
WORK=$ROOT/bench/work/import_map
mkdir -p "$WORK" bench/results
trap 'rm -f "$WORK"/*.db "$WORK"/*.db-wal "$WORK"/*.db-shm' EXIT

now() { date +%s.%N; }
results=()
for rows in "${sizes[@]}"; do
  data=$WORK/renewals_$rows
  if [ ! -f "$data.csv" ] || [ ! -f "$data.accounts.ndjson" ]; then
    echo "==> generating $rows rows"
    python3 bench/import_map/gen.py "$rows" "$data"
  fi
  want=$(awk -F'","' 'NR > 1 && $5 != "Negotiation/Review"' "$data.csv" | wc -l)
  cat "$data.csv" > /dev/null  # warm the page cache for both sides
  ref_times=() up_times=()
  for rep in $(seq "$REPEAT"); do
    rm -f "$WORK"/*.db "$WORK"/*.db-wal "$WORK"/*.db-shm
    "$BIN" import --db "sqlite:$WORK/uplift.db" -q "$data.accounts.ndjson" > /dev/null
    sync
    echo "==> sqlite3 .import --csv ($rows rows, run $rep of $REPEAT)"
    t0=$(now)
    sqlite3 "$WORK/ref.db" ".import --csv $data.csv renewals"
    t1=$(now)
    ref_rows=$(sqlite3 "$WORK/ref.db" "SELECT count(*) FROM renewals")
    sync
    echo "==> uplift import --map ($rows rows, run $rep of $REPEAT)"
    t2=$(now)
    "$BIN" import --db "sqlite:$WORK/uplift.db" -q --map maps/salesforce-renewals.json "$data.csv" > "$WORK/uplift.out"
    t3=$(now)
    cat "$WORK/uplift.out"
    up_rows=$(awk '$1 == "renewal" {print $2}' "$WORK/uplift.out")
    [ "$up_rows" = "$want" ] || { echo "bench/import_map: uplift accepted $up_rows of $want" >&2; exit 1; }
    [ "$ref_rows" = "$rows" ] || { echo "bench/import_map: sqlite3 imported $ref_rows of $rows" >&2; exit 1; }
    ref_times+=("$(python3 -c "print($t1 - $t0)")")
    up_times+=("$(python3 -c "print($t3 - $t2)")")
  done
  results+=("$(python3 - "$rows" "${ref_times[*]}" "${up_times[*]}" <<'PY'
import json, statistics, sys
rows = int(sys.argv[1])
ref_all, up_all = [list(map(float, a.split())) for a in sys.argv[2:4]]
ref, up = statistics.median(ref_all), statistics.median(up_all)
print(json.dumps({"rows": rows, "uplift_seconds": round(up, 3), "sqlite3_seconds": round(ref, 3),
                  "uplift_rows_per_s": round(rows / up), "sqlite3_rows_per_s": round(rows / ref),
                  "ratio": round(ref / up, 3), "repeats": len(up_all),
                  "uplift_seconds_each": [round(t, 3) for t in up_all],
                  "sqlite3_seconds_each": [round(t, 3) for t in ref_all]}))
PY
)")
done

python3 - "$scale" "${results[@]}" <<'PY' > bench/results/import_map.json
import json, os, platform, sys
scale, runs = sys.argv[1], [json.loads(r) for r in sys.argv[2:]]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown")
mem = next((int(l.split()[1]) // 1048576 for l in open("/proc/meminfo") if l.startswith("MemTotal")), 0)
head = runs[-1]
out = {"benchmark": "import_map", "scale": scale, "rows": head["rows"],
       "uplift_rows_per_s": head["uplift_rows_per_s"], "sqlite3_rows_per_s": head["sqlite3_rows_per_s"],
       "ratio": head["ratio"], "runs": runs,
       "comparisons": [{"metric": f"mapped CSV import, {r['rows']:,} Salesforce renewal rows", "unit": "rows/s",
                        "uplift": r["uplift_rows_per_s"], "reference": r["sqlite3_rows_per_s"],
                        "reference_tool": "sqlite3 .import --csv (same file, no conversion)", "ratio": r["ratio"],
                        "statistic": f"median of {r['repeats']} alternating runs",
                        "higher_is_better": True, "goal": "reported"} for r in runs],
       "machine": {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": mem, "os": platform.platform()}}
print(json.dumps(out, indent=2))
PY
cat bench/results/import_map.json
