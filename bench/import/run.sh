#!/usr/bin/env bash
# Import benchmark: `uplift import` of N event rows (NDJSON) into a fresh SQLite database —
# parsing, validating, deduplicating by id, batched transactions — against the sqlite3 CLI's
# `.import --csv` of the same rows into a plain table (no validation, no index), in the same run.
#   bench/import/run.sh [--scale small|full]     small: 1M rows; full: 1M and 10M rows
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
  rm -f "$WORK"/*.db "$WORK"/*.db-wal "$WORK"/*.db-shm
  # Warm the page cache for both inputs so neither side pays for the first read.
  cat "$data.ndjson" "$data.csv" > /dev/null

  # Each side starts with no dirty pages of the previous run still being written back.
  sync
  echo "==> sqlite3 .import --csv ($rows rows)"
  t0=$(now)
  sqlite3 "$WORK/ref.db" ".import --csv $data.csv events"
  t1=$(now)
  ref_rows=$(sqlite3 "$WORK/ref.db" "SELECT count(*) FROM events")

  sync
  echo "==> uplift import ($rows rows)"
  t2=$(now)
  "$BIN" import --db "sqlite:$WORK/uplift.db" -q "$data.ndjson" > "$WORK/uplift.out"
  t3=$(now)
  up_rows=$(awk '$1 == "event" {print $2}' "$WORK/uplift.out")
  cat "$WORK/uplift.out"
  [ "$up_rows" = "$rows" ] || { echo "bench/import: uplift accepted $up_rows of $rows" >&2; exit 1; }
  [ "$ref_rows" = "$rows" ] || { echo "bench/import: sqlite3 imported $ref_rows of $rows" >&2; exit 1; }

  results+=("$(python3 - "$rows" "$t0" "$t1" "$t2" "$t3" <<'PY'
import json, sys
rows = int(sys.argv[1]); t0, t1, t2, t3 = map(float, sys.argv[2:])
ref, up = rows / (t1 - t0), rows / (t3 - t2)
print(json.dumps({"rows": rows, "uplift_seconds": round(t3 - t2, 3), "sqlite3_seconds": round(t1 - t0, 3),
                  "uplift_rows_per_s": round(up), "sqlite3_rows_per_s": round(ref), "ratio": round(up / ref, 3)}))
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
                        "reference_tool": "sqlite3 .import --csv", "ratio": r["ratio"],
                        "higher_is_better": True, "goal": ">= 1.0x"} for r in runs],
       "machine": {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": mem, "os": platform.platform()}}
print(json.dumps(out, indent=2))
PY
cat bench/results/import.json
