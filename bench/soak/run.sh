#!/usr/bin/env bash
# Soak (bench only, not CI): N minutes of mixed, fixed-rate load on one `uplift serve` (SQLite,
# 127.0.0.1) — NDJSON ingest batches (every 5th a retried duplicate), recommendations for random
# learners, account reads and the ROI report — sampling the server's RSS by PID every few
# seconds and the latency per 30 s window. Asserts, after a warm-up (a quarter of the run, at
# most 2 minutes):
#   - RSS growth < 5 % (median of the last 3 samples vs the median of the first 3 after warm-up);
#   - zero 5xx and zero failed connections;
#   - p99 stable: the last full window's p99 <= FACTOR (default 3) x the first post-warm-up
#     window's p99, where a p99 under 5 ms counts as 5 ms (sub-millisecond jitter is not drift).
#   bench/soak/run.sh [--minutes N] [--scale small|full] [--p99-factor F]
#     default 10 minutes; small: 1,000 demo accounts, full: 5,000 (same rates either way)
# Everything it starts is killed by PID on exit; the client stops itself after N minutes, and
# the whole run is bounded by N minutes + 3 (timeout). Writes bench/results/soak.json and exits
# non-zero if an assertion fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
scale=small minutes=10 factor=3
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) scale=$2; shift 2 ;;
    --minutes) minutes=$2; shift 2 ;;
    --p99-factor) factor=$2; shift 2 ;;
    *) echo "usage: bench/soak/run.sh [--minutes N] [--scale small|full] [--p99-factor F]" >&2; exit 2 ;;
  esac
done
case "$scale" in small) ACCOUNTS=1000 ;; full) ACCOUNTS=5000 ;; *) echo "bench/soak: --scale must be small or full" >&2; exit 2 ;; esac
[[ "$minutes" =~ ^[0-9]+$ ]] && [ "$minutes" -ge 1 ] && [ "$minutes" -le 240 ] || { echo "bench/soak: --minutes must be 1..240" >&2; exit 2; }
SECONDS_RUN=$((minutes * 60)) WINDOW_S=30 SAMPLE_S=5
# Keep-alive connections from the client: fewer than the server's 16 request threads. Poco
# serves one connection per thread until it idles out (15 s), so more connections than
# threads leave the extra ones queued — that is a server limit to know, not what a soak is for.
CONNS=12
BIN=${UPLIFT_BIN:-$ROOT/build/uplift}
[ -x "$BIN" ] || { echo "bench/soak: $BIN not built (./run build)" >&2; exit 2; }
command -v node >/dev/null || { echo "bench/soak: node missing" >&2; exit 2; }
source bench/lib/common.sh
export UPLIFT_CONFIG_DIR=$ROOT

WORK=$ROOT/bench/work/soak
mkdir -p "$WORK" bench/results
MACHINE=$(bench_machine_json)
DATA=$WORK/data-$scale
if [ ! -f "$DATA/.generated" ]; then
  rm -rf "$DATA"
  "$BIN" demo generate --accounts "$ACCOUNTS" --seed 31 --out "$DATA" >/dev/null
  touch "$DATA/.generated"
fi
# A fresh store every run (the soak's own ingest must not accumulate across runs).
rm -f "$WORK"/soak.db*
DB=sqlite:$WORK/soak.db
echo "==> soak: importing $ACCOUNTS demo accounts"
"$BIN" import --db "$DB" -q "$DATA"/*.ndjson >/dev/null
"$BIN" cohorts import --db "$DB" "$DATA/cohorts.json" >/dev/null
INGEST_KEY=$("$BIN" keys create --db "$DB" --scope ingest --name soak-ingest --quiet)
READ_KEY=$("$BIN" keys create --db "$DB" --scope analyst --name soak-read --quiet)
ADMIN_KEY=$("$BIN" keys create --db "$DB" --scope admin --name soak-admin --quiet)
python3 -c 'import json,sys; [print(json.loads(l)["id"]) for l in open(sys.argv[1]) if l.strip()]' \
  "$DATA/learners.ndjson" >"$WORK/learners.txt"

PORT=$(bench_free_port)
bench_start_uplift "$BIN" "$DB" "$PORT" "$WORK/serve.log"
URL=http://127.0.0.1:$PORT
# The ROI report over HTTP when the server has it, else the stage summary (and say so).
REPORT_PATH=/v1/reports/roi?quarter=2026Q3
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ADMIN_KEY" "$URL$REPORT_PATH")
[ "$code" = 200 ] || { echo "bench/soak: $REPORT_PATH answered $code; using /v1/stages for the report stream" >&2; REPORT_PATH=/v1/stages; }
# BENCH_SOAK_RECOMMEND_PATH exists only to try the harness on another per-learner endpoint.
REC_PATH=${BENCH_SOAK_RECOMMEND_PATH:-/v1/learners/%s/recommendations}
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $READ_KEY" "$URL${REC_PATH/\%s/$(head -1 "$WORK/learners.txt")}")
[ "$code" = 200 ] || { echo "bench/soak: $REC_PATH answered $code (is the endpoint built?)" >&2; exit 1; }

cat >"$WORK/client.json" <<EOF
{"url": "$URL", "ingest_key": "$INGEST_KEY", "read_key": "$READ_KEY", "admin_key": "$ADMIN_KEY",
 "learners_file": "$WORK/learners.txt", "accounts": $ACCOUNTS, "seconds": $SECONDS_RUN, "window_s": $WINDOW_S,
 "connections": $CONNS,
 "streams": {"ingest": {"per_s": 1, "batch": 20}, "recommend": {"per_s": 100, "path": "$REC_PATH"}, "account": {"per_s": 40},
             "report": {"per_s": 0.5, "path": "$REPORT_PATH"}}}
EOF
echo "==> soak: $minutes min of mixed load on $URL (report stream: $REPORT_PATH)"
timeout $((SECONDS_RUN + 120)) node bench/soak/client.mjs "$WORK/client.json" "$WORK/client-out.json" &
CLIENT_PID=$!
BENCH_PIDS+=("$CLIENT_PID")
start=$(date +%s)
: >"$WORK/rss.tsv"
while kill -0 "$CLIENT_PID" 2>/dev/null; do
  kill -0 "$UPLIFT_PID" 2>/dev/null || { echo "bench/soak: the server died; log tail:" >&2; tail -20 "$WORK/serve.log" >&2; exit 1; }
  printf '%s\t%s\n' "$(($(date +%s) - start))" "$(bench_rss_kib "$UPLIFT_PID")" >>"$WORK/rss.tsv"
  sleep "$SAMPLE_S"
  if [ $(($(date +%s) - start)) -gt $((SECONDS_RUN + 180)) ]; then echo "bench/soak: over time" >&2; exit 1; fi
done
wait "$CLIENT_PID" || { echo "bench/soak: client failed" >&2; exit 1; }
server_5xx=$(grep '"status":5' "$WORK/serve.log" | grep -vc '"route":"/readyz"' || true)

set +e
python3 - "$WORK" "$scale" "$minutes" "$WINDOW_S" "$factor" "$REPORT_PATH" "$server_5xx" "$MACHINE" <<'PY' > bench/results/soak.json
import json, statistics, sys
work, scale, minutes, window_s, factor, report_path, server_5xx, machine = sys.argv[1:]
minutes, window_s, factor, server_5xx = int(minutes), int(window_s), float(factor), int(server_5xx)
seconds = minutes * 60
client = json.load(open(f"{work}/client-out.json"))
rss = [(int(t), int(k)) for t, k in (l.split("\t") for l in open(f"{work}/rss.tsv") if l.strip()) if int(k) > 0]
warmup = min(120, seconds // 4)
after = [k for t, k in rss if t >= warmup]
base = statistics.median(after[:3]); final = statistics.median(after[-3:])
growth = 100 * (final - base) / base
full = [w for w in client["windows"] if w["t0_s"] >= warmup and w["t0_s"] + window_s <= seconds and w["n"] > 0]
first, last = full[0], full[-1]
floor = lambda p: max(p, 5.0)
p99_ratio = floor(last["p99"]) / floor(first["p99"])
statuses = client["totals"]["statuses"]
n5xx = sum(v for k, v in statuses.items() if k.split(":")[1].startswith("5")) + server_5xx
nerr = sum(v for k, v in statuses.items() if k.endswith(":error"))
n4xx = sum(v for k, v in statuses.items() if k.split(":")[1].startswith("4"))
checks = {"rss_growth_lt_5pct": growth < 5, "zero_5xx": n5xx == 0, "zero_connection_errors": nerr == 0,
          "zero_4xx": n4xx == 0, "p99_stable": p99_ratio <= factor}
out = {"benchmark": "soak", "scale": scale, "minutes": minutes, "warmup_s": warmup, "window_s": window_s,
       "report_stream_path": report_path,
       "rss": {"baseline_mib": round(base / 1024, 1), "final_mib": round(final / 1024, 1), "growth_pct": round(growth, 2),
               "max_mib": round(max(k for _, k in rss) / 1024, 1), "samples": len(rss),
               "series_mib": [[t, round(k / 1024, 1)] for t, k in rss]},
       "latency": {"first_window": {k: first[k] for k in ("t0_s", "n", "p50", "p99", "max")},
                   "last_window": {k: last[k] for k in ("t0_s", "n", "p50", "p99", "max")},
                   "p99_ratio_last_vs_first": round(p99_ratio, 2), "factor_allowed": factor,
                   "windows": [{k: w[k] for k in ("t0_s", "n", "p50", "p99", "max", "streams")} for w in client["windows"]]},
       "requests": client["totals"]["requests"], "statuses": statuses, "ingest_batches": client["ingest_batches"],
       "server_5xx_log_lines": server_5xx, "checks": checks, "passed": all(checks.values()),
       "comparisons": [
         {"metric": f"soak {minutes} min: RSS growth after warm-up", "unit": "%", "uplift": round(growth, 2),
          "reference": None, "reference_tool": "-", "ratio": None, "higher_is_better": False, "goal": "< 5 %", "met": growth < 5},
         {"metric": f"soak {minutes} min: p99 last / first window ({last['p99']} / {first['p99']} ms)", "unit": "x",
          "uplift": round(p99_ratio, 2), "reference": None, "reference_tool": "-", "ratio": None, "higher_is_better": False,
          "goal": f"<= {factor:g}x", "met": p99_ratio <= factor},
         {"metric": f"soak {minutes} min: 5xx of {client['totals']['requests']:,} requests", "unit": "responses",
          "uplift": n5xx, "reference": None, "reference_tool": "-", "ratio": None, "higher_is_better": False, "goal": "0", "met": n5xx == 0}],
       "machine": json.loads(machine)}
print(json.dumps(out, indent=2))
sys.exit(0 if out["passed"] else 1)
PY
rc=$?
set -e
python3 bench/lib/show.py bench/results/soak.json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("  checks:", d["checks"], "requests:", d["requests"])' bench/results/soak.json
echo "==> wrote bench/results/soak.json"
[ $rc -eq 0 ] || { echo "bench/soak: FAILED (see checks above)" >&2; exit 1; }
