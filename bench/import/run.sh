#!/usr/bin/env bash
# Import benchmark: `uplift import` of N event rows (NDJSON) into a fresh SQLite database —
# parsing, validating, deduplicating by id, batched transactions — against the sqlite3 CLI's
# `.import --csv` of the same rows into a plain table (no validation, no index), in the same run.
#   bench/import/run.sh [--scale small|full]     small: 1M rows; full: 1M and 10M rows
#   REPEAT=N (default 3): runs of each side, alternating; the medians are compared.
# Writes bench/results/import.json (the largest size is the headline comparison).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
source bench/lib/scale.sh
bench_scale import "$@"
BIN=${UPLIFT_BIN:-$ROOT/build/uplift}
[ -x "$BIN" ] || { echo "bench/import: $BIN not built (./run build)" >&2; exit 2; }
command -v sqlite3 >/dev/null || { echo "bench/import: sqlite3 CLI missing" >&2; exit 2; }
sizes=(1000000)
[ "$scale" = full ] && sizes=(1000000 10000000)
REPEAT=${REPEAT:-3}
WORK=$ROOT/bench/work/import
mkdir -p "$WORK" bench/results
trap 'rm -f "$WORK"/*.db "$WORK"/*.db-wal "$WORK"/*.db-shm' EXIT

now() { date +%s.%N; }
results=()
for rows in "${sizes[@]}"; do
  data=$WORK/events_$rows
  if [ ! -f "$data.ndjson" ] || [ ! -f "$data.csv" ]; then
    echo "==> generating $rows rows"
    python3 bench/import/gen.py "$rows" "$data"
  fi
  # Warm the page cache for both inputs so neither side pays for the first read.
  cat "$data.ndjson" "$data.csv" > /dev/null
  # The machine is a shared VM whose speed drifts by tens of percent from minute to minute: the
  # two sides alternate, $REPEAT times each, and the medians are compared.
  ref_times=() up_times=()
  for rep in $(seq "$REPEAT"); do
    rm -f "$WORK"/*.db "$WORK"/*.db-wal "$WORK"/*.db-shm
    # Each side starts with no dirty pages of the previous run still being written back.
    sync
    echo "==> sqlite3 .import --csv ($rows rows, run $rep of $REPEAT)"
    t0=$(now)
    sqlite3 "$WORK/ref.db" ".import --csv $data.csv events"
    t1=$(now)
    ref_rows=$(sqlite3 "$WORK/ref.db" "SELECT count(*) FROM events")
    sync
    echo "==> uplift import ($rows rows, run $rep of $REPEAT)"
    t2=$(now)
    "$BIN" import --db "sqlite:$WORK/uplift.db" -q "$data.ndjson" > "$WORK/uplift.out"
    t3=$(now)
    up_rows=$(awk '$1 == "event" {print $2}' "$WORK/uplift.out")
    cat "$WORK/uplift.out"
    [ "$up_rows" = "$rows" ] || { echo "bench/import: uplift accepted $up_rows of $rows" >&2; exit 1; }
    [ "$ref_rows" = "$rows" ] || { echo "bench/import: sqlite3 imported $ref_rows of $rows" >&2; exit 1; }
    ref_times+=("$(python3 -c "print($t1 - $t0)")")
    up_times+=("$(python3 -c "print($t3 - $t2)")")
  done
  # The same file imported again: every row a duplicate of a stored event (reported, no goal).
  sync
  echo "==> uplift import again ($rows rows, all duplicates)"
  t4=$(now)
  "$BIN" import --db "sqlite:$WORK/uplift.db" -q "$data.ndjson" > "$WORK/uplift.out"
  t5=$(now)
  cat "$WORK/uplift.out"
  dup_rows=$(awk '$1 == "event" {print $3}' "$WORK/uplift.out")
  [ "$dup_rows" = "$rows" ] || { echo "bench/import: re-import found $dup_rows of $rows duplicates" >&2; exit 1; }
  again=$(python3 -c "print($t5 - $t4)")

  results+=("$(python3 - "$rows" "${ref_times[*]}" "${up_times[*]}" "$again" <<'PY'
import json, statistics, sys
rows = int(sys.argv[1])
ref_all, up_all = [list(map(float, a.split())) for a in sys.argv[2:4]]
again = float(sys.argv[4])
ref, up = statistics.median(ref_all), statistics.median(up_all)
print(json.dumps({"rows": rows, "uplift_seconds": round(up, 3), "sqlite3_seconds": round(ref, 3),
                  "uplift_rows_per_s": round(rows / up), "sqlite3_rows_per_s": round(rows / ref),
                  "ratio": round(ref / up, 3), "repeats": len(up_all),
                  "uplift_seconds_each": [round(t, 3) for t in up_all],
                  "sqlite3_seconds_each": [round(t, 3) for t in ref_all],
                  "reimport_seconds": round(again, 3), "reimport_rows_per_s": round(rows / again)}))
PY
)")
done

python3 - "$scale" "${results[@]}" <<'PY' > bench/results/import.json
import json, os, platform, sys
scale, runs = sys.argv[1], [json.loads(r) for r in sys.argv[2:]]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown")
mem = next((int(l.split()[1]) // 1048576 for l in open("/proc/meminfo") if l.startswith("MemTotal")), 0)
head = runs[-1]
out = {"benchmark": "import", "scale": scale, "rows": head["rows"],
       "uplift_rows_per_s": head["uplift_rows_per_s"], "sqlite3_rows_per_s": head["sqlite3_rows_per_s"],
       "ratio": head["ratio"], "runs": runs,
       "comparisons": [{"metric": f"import {r['rows']:,} events", "unit": "rows/s",
                        "uplift": r["uplift_rows_per_s"], "reference": r["sqlite3_rows_per_s"],
                        "reference_tool": "sqlite3 .import --csv", "ratio": r["ratio"], "statistic": f"median of {r['repeats']} alternating runs",
                        "higher_is_better": True, "goal": ">= 1.0x"} for r in runs] +
                      [{"metric": f"import the same {r['rows']:,} events again (every row a duplicate)", "unit": "rows/s",
                        "uplift": r["reimport_rows_per_s"], "reference": r["sqlite3_rows_per_s"],
                        "reference_tool": "sqlite3 .import --csv (first load, median)",
                        "ratio": round(r["reimport_rows_per_s"] / r["sqlite3_rows_per_s"], 3),
                        "higher_is_better": True, "goal": "reported"} for r in runs],
       "machine": {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": mem, "os": platform.platform()}}
print(json.dumps(out, indent=2))
PY
cat bench/results/import.json
