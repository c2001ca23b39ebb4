#!/usr/bin/env bash
# The serving process at scale (issue 24): `uplift serve` on a demo store — how long until
# /readyz is 200 evaluating every account (cold: no saved states) and resuming from the saved
# states (the second start), its resident memory, and the p50/p99 of the console's aggregate
# endpoints and of recommendations; beside DuckDB computing the same stage counts and the same
# account page (sorted by ARR) from the same store's saved states and account records, in the
# same run.
#   bench/serve/run.sh [--scale small|full]
#     small: 2,000 demo accounts (about 1.1 M events), 5 s of requests per endpoint (after 2 s not counted)
#     full:  100,000 accounts × 100 events (10 M events, about 1 M learners), 10 s per endpoint
# Goals (issue 24, judged at full scale): resident memory <= 1.5 GiB; start to ready <= 10 s
# with saved states; p99 <= 100 ms for /v1/stages, /v1/accounts (sorted, filtered), /v1/segments
# and the ROI report. Writes bench/results/serve.json (schema: bench/run).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
source bench/lib/scale.sh
bench_scale serve "$@"
case "$scale" in
  small) ACCOUNTS=2000 EPA_FLAG=() SECONDS_PER=5 ;;
  full) ACCOUNTS=100000 EPA_FLAG=(--events-per-account 30) SECONDS_PER=10 ;;  # ~100 events an account with the journeys
  *) echo "bench/serve: --scale must be small or full" >&2; exit 2 ;;
esac
BIN=${UPLIFT_BIN:-$ROOT/build/uplift}
[ -x "$BIN" ] || { echo "bench/serve: $BIN not built (./run build)" >&2; exit 2; }
for tool in wrk sqlite3 node; do command -v $tool >/dev/null || { echo "bench/serve: $tool missing (./run bench installs it)" >&2; exit 2; }; done
source bench/lib/common.sh
source bench/lib/npm.sh
export UPLIFT_CONFIG_DIR=$ROOT
WORK=$ROOT/bench/work/serve
mkdir -p "$WORK" bench/results
MACHINE=$(bench_machine_json)

DATA=$WORK/data-$scale DBFILE=$WORK/data-$scale/uplift.db
MADE_WITH="demo generate --accounts $ACCOUNTS --seed 24 ${EPA_FLAG[*]}"
if [ "$(cat "$DATA/.imported" 2>/dev/null)" != "$MADE_WITH" ]; then  # none yet, or made another way
  rm -rf "$DATA"
  echo "==> serve: demo data ($ACCOUNTS accounts) and import"
  "$BIN" demo generate --accounts "$ACCOUNTS" --seed 24 "${EPA_FLAG[@]}" --out "$DATA" >/dev/null
  "$BIN" import --db "sqlite:$DBFILE" -q "$DATA"/*.ndjson
  echo "$MADE_WITH" >"$DATA/.imported"
fi
DB=sqlite:$DBFILE
# Cold: no saved states (a fresh import, or states of another graph) — every account evaluated.
sqlite3 "$DBFILE" "DELETE FROM documents WHERE collection IN ('milestone_state', 'milestone_state_meta')"
ADMIN=$("$BIN" keys create --db "$DB" --scope admin --name "bench-serve-$$" --quiet)
LMS=$("$BIN" keys create --db "$DB" --scope lms --name "bench-serve-lms-$$" --quiet)
EVENTS=$(sqlite3 "$DBFILE" "SELECT count(*) FROM events")
LEARNERS=$(sqlite3 "$DBFILE" "SELECT count(*) FROM entities WHERE kind = 'learner'")

start_timed() {  # start_timed TAG: starts uplift serve, sets READY_S (start until /readyz 200)
  PORT=$(bench_free_port)
  # What the step before wrote (the states' deletion, the last server's saves and checkpoint) is
  # written back first: the start is timed, not the kernel's writeback beside it.
  sync
  local t0
  t0=$(date +%s.%N)
  bench_start_uplift "$BIN" "$DB" "$PORT" "$WORK/serve-$1.log"
  READY_S=$(python3 -c "import time; print(round(time.time() - $t0, 2))")
}
echo "==> serve: cold start ($ACCOUNTS accounts, $EVENTS events)"
start_timed cold
COLD_S=$READY_S
echo "cold start: ${COLD_S}s"
# The state saver saves every account's state in the background, then settles the watermark.
settled() { sqlite3 "$DBFILE" "SELECT body FROM documents WHERE collection = 'milestone_state_meta'" 2>/dev/null | grep -q '"settled":true'; }
for _ in $(seq 1 600); do settled && break; sleep 0.5; done
settled || { echo "bench/serve: the saved states were not settled within 300 s" >&2; exit 1; }
bench_kill "$UPLIFT_PID"
echo "==> serve: start from saved states"
start_timed warm
WARM_S=$READY_S
grep -q 'milestone states resumed' "$WORK/serve-warm.log" || { echo "bench/serve: the second start did not resume" >&2; exit 1; }
echo "start from saved states: ${WARM_S}s"
RSS_KIB=$(bench_rss_kib "$UPLIFT_PID")

LEARNER=$(sqlite3 "$DBFILE" "SELECT rkey FROM entities WHERE kind = 'learner' ORDER BY rkey LIMIT 1 OFFSET 7")
QUARTER=$(python3 - "$DATA/events.ndjson" <<'PY'
import json, sys
last = ""
with open(sys.argv[1]) as f:
    for line in f:
        ts = json.loads(line).get("ts", "")
        last = max(last, ts)
y, m = int(last[:4]), int(last[5:7])
q = (m - 1) // 3  # the quarter before the last event's
print(f"{y}Q{q}" if q else f"{y - 1}Q4")
PY
)
ENDPOINTS=(
  "stages|/v1/stages|$ADMIN"
  "accounts sorted by ARR|/v1/accounts?per_page=100&sort=arr&order=desc|$ADMIN"
  "accounts filtered (tier, stage)|/v1/accounts?per_page=100&tier=enterprise&stage=onboarding|$ADMIN"
  "segments|/v1/segments|$ADMIN"
  "ROI report $QUARTER|/v1/reports/roi?quarter=$QUARTER|$ADMIN"
  "recommendations (one learner)|/v1/learners/$LEARNER/recommendations|$LMS"
)
: >"$WORK/endpoints.jsonl"
for e in "${ENDPOINTS[@]}"; do
  IFS='|' read -r label path key <<<"$e"
  # The first request is timed on its own: the ROI report is computed by it and then kept for
  # its version (the requests after it measure the kept report).
  read -r code first_s < <(curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -H "Authorization: Bearer $key" "http://127.0.0.1:$PORT$path")
  [ "$code" = 200 ] || { echo "bench/serve: $path answered $code" >&2; exit 1; }
  echo "x" >"$WORK/one-id.txt"
  # 2 s not counted first: the server's start-up work (alert rules judged for every account) and
  # cold caches are not the endpoint's.
  BENCH_IDS=$WORK/one-id.txt BENCH_KEY=$key BENCH_PATH=$path \
    timeout 90 wrk -t1 -c2 -d2s --timeout 30s -s bench/recommend/wrk.lua "http://127.0.0.1:$PORT" >/dev/null
  echo "==> wrk $label: 1 thread, 2 connections, ${SECONDS_PER}s"
  BENCH_IDS=$WORK/one-id.txt BENCH_KEY=$key BENCH_PATH=$path \
    timeout $((SECONDS_PER + 60)) wrk -t1 -c2 -d"${SECONDS_PER}s" --timeout 30s -s bench/recommend/wrk.lua "http://127.0.0.1:$PORT" >"$WORK/wrk.txt"
  python3 - "$label" "$path" "$WORK/wrk.txt" "$first_s" >>"$WORK/endpoints.jsonl" <<'PY'
import json, sys
label, path, out, first_s = sys.argv[1:]
j = json.loads(next(l for l in open(out) if l.startswith("BENCHJSON ")).split(" ", 1)[1])
print(json.dumps({"label": label, "path": path, "first_request_ms": round(float(first_s) * 1000, 1), **j}))
PY
  tail -1 "$WORK/endpoints.jsonl"
done
bench_kill "$UPLIFT_PID"

echo "==> serve: DuckDB, the same stage counts and account page from the same store"
sqlite3 -csv -header "$DBFILE" "SELECT dkey AS account, json_extract(body, '$.stage') AS stage FROM documents WHERE collection = 'milestone_state'" >"$WORK/states.csv"
sqlite3 -csv -header "$DBFILE" "SELECT rkey AS account, json_extract(body, '$.name') AS name, json_extract(body, '$.arr') AS arr, json_extract(body, '$.tier') AS tier FROM entities WHERE kind = 'account'" >"$WORK/accounts.csv"
npm_install bench/milestones
ln -sfn ../milestones/node_modules bench/serve/node_modules
node bench/serve/duckdb.mjs "$WORK/states.csv" "$WORK/accounts.csv" >"$WORK/duckdb.json"
cat "$WORK/duckdb.json"

python3 - "$WORK" "$scale" "$ACCOUNTS" "$EVENTS" "$LEARNERS" "$COLD_S" "$WARM_S" "$RSS_KIB" "$MACHINE" <<'PY' >bench/results/serve.json
import json, sys
work, scale, accounts, events, learners, cold, warm, rss, machine = sys.argv[1:]
accounts, events, learners, rss = int(accounts), int(events), int(learners), int(rss)
cold, warm = float(cold), float(warm)
eps = [json.loads(l) for l in open(f"{work}/endpoints.jsonl")]
duck = json.load(open(f"{work}/duckdb.json"))
ms = lambda us: round(us / 1000, 2)
full = scale == "full"
rows = [
  {"metric": f"start until /readyz 200, from saved states ({accounts:,} accounts, {events:,} events)", "unit": "s",
   "uplift": warm, "reference": cold, "reference_tool": "uplift cold start (every account evaluated)",
   "ratio": round(warm / cold, 3) if cold else None, "higher_is_better": False,
   "goal": "<= 10 s at 100k accounts", **({"met": warm <= 10} if full else {})},
  {"metric": f"resident memory of uplift serve ({accounts:,} accounts, {learners:,} learners, {events:,} events)", "unit": "MiB",
   "uplift": round(rss / 1024), "reference": None, "reference_tool": "-", "ratio": None, "higher_is_better": False,
   "goal": "<= 1.5 GiB at 100k accounts", **({"met": rss <= 1.5 * 1024 * 1024} if full else {}),
   "per_event_bytes": round(rss * 1024 / events), "per_account_kib": round(rss / accounts, 1)},
]
ref_for = {"stages": ("stage_counts", "DuckDB: stage counts (GROUP BY) over the saved states"),
           "accounts sorted by ARR": ("account_page", "DuckDB: account page (join, ORDER BY arr, LIMIT 100)")}
for e in eps:
    ref = ref_for.get(e["label"])
    r = {"metric": f"GET {e['label']} p99 (1 thread, 2 conns; p50 {ms(e['latency_us']['p50'])} ms, {e['requests'] * 1e6 / e['duration_us']:.0f} req/s)",
         "unit": "ms", "uplift": ms(e["latency_us"]["p99"]), "higher_is_better": False,
         "reference": duck[ref[0]]["p99_ms"] if ref else None, "reference_tool": ref[1] if ref else "-",
         "ratio": round(ms(e["latency_us"]["p99"]) / duck[ref[0]]["p99_ms"], 2) if ref and duck[ref[0]]["p99_ms"] else None}
    if not e["label"].startswith("recommendations"):
        r["goal"] = "p99 <= 100 ms at 100k accounts"
        if full: r["met"] = ms(e["latency_us"]["p99"]) <= 100
    else:
        r["goal"] = "reported"
    errs = sum(e["errors"].values())
    if errs: r["metric"] += f", {errs} errors"
    rows.append(r)
    if e["label"].startswith("ROI report"):  # computed by the first request of a version, then kept
        rows.append({"metric": f"GET {e['label']}, first request after a write (computed; kept for the version after)",
                     "unit": "ms", "uplift": e["first_request_ms"], "reference": None, "reference_tool": "-",
                     "ratio": None, "higher_is_better": False, "goal": "reported"})
print(json.dumps({"benchmark": "serve", "scale": scale,
  "workload": {"store": "sqlite", "demo_accounts": accounts, "events": events, "learners": learners},
  "cold_start_s": cold, "warm_start_s": warm, "rss_mib": round(rss / 1024, 1), "endpoints": eps, "duckdb": duck,
  "comparisons": rows, "machine": json.loads(machine)}, indent=2))
PY
python3 bench/lib/show.py bench/results/serve.json
echo "==> wrote bench/results/serve.json"
