#!/usr/bin/env bash
# Recommendations benchmark: `wrk` against GET /v1/learners/{id}/recommendations for random
# learners (lms key) on `uplift serve` (SQLite, 127.0.0.1), versus nginx serving a static JSON
# file of the same size as a real response, with the same wrk script (random pick per request
# on both sides), threads, connections and duration, in the same run.
#   bench/recommend/run.sh [--scale small|full]
#     small: 10,000 demo accounts (~170k learners), 20 s per side
#     full:  100,000 demo accounts (~1.7M learners), 30 s per side
# Goal (issue 7): uplift >= 0.5x nginx requests/s and p99 <= 5 ms.
# Writes bench/results/recommend.json (schema: bench/run).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
source bench/lib/scale.sh
bench_scale recommend "$@"
case "$scale" in
  small) ACCOUNTS=10000 EPA=40 DURATION=20 ;;
  full) ACCOUNTS=100000 EPA=20 DURATION=30 ;;
  *) echo "bench/recommend: --scale must be small or full" >&2; exit 2 ;;
esac
THREADS=2 CONNS=16 SAMPLE_IDS=200000
# BENCH_RECOMMEND_PATH exists only to try the harness on another per-learner endpoint.
REC_PATH=${BENCH_RECOMMEND_PATH:-/v1/learners/%s/recommendations}
BIN=${UPLIFT_BIN:-$ROOT/build/uplift}
[ -x "$BIN" ] || { echo "bench/recommend: $BIN not built (./run build)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "bench/recommend: wrk missing (./run bench installs it)" >&2; exit 2; }
source bench/lib/common.sh
export UPLIFT_CONFIG_DIR=$ROOT

WORK=$ROOT/bench/work/recommend
mkdir -p "$WORK" bench/results
MACHINE=$(bench_machine_json)

# Demo data and its import are cached per scale (the generator is deterministic).
DATA=$WORK/data-$scale DB=sqlite:$WORK/data-$scale/uplift.db
if [ ! -f "$DATA/.imported" ]; then
  rm -rf "$DATA"
  echo "==> recommend: demo data ($ACCOUNTS accounts, ~$EPA events each) and import"
  "$BIN" demo generate --accounts "$ACCOUNTS" --seed 11 --events-per-account "$EPA" --out "$DATA" >/dev/null
  "$BIN" import --db "$DB" -q "$DATA"/*.ndjson
  touch "$DATA/.imported"
fi
LEARNERS=$(wc -l <"$DATA/learners.ndjson")
python3 - "$DATA/learners.ndjson" "$WORK/ids.txt" "$SAMPLE_IDS" <<'PY'
import json, random, sys
ids = [json.loads(l)["id"] for l in open(sys.argv[1]) if l.strip()]
random.Random(5).shuffle(ids)
open(sys.argv[2], "w").write("\n".join(ids[: int(sys.argv[3])]) + "\n")
PY
KEY=$("$BIN" keys create --db "$DB" --scope lms --name "bench-recommend-$$" --quiet)

UP_PORT=$(bench_free_port)
echo "==> recommend: uplift serve ($LEARNERS learners) on 127.0.0.1:$UP_PORT"
t0=$(date +%s.%N)
bench_start_uplift "$BIN" "$DB" "$UP_PORT" "$WORK/serve.log"
READY_S=$(python3 -c "import time; print(round(time.time() - $t0, 1))")

# A real response of median size becomes nginx's static file.
python3 - "http://127.0.0.1:$UP_PORT" "$KEY" "$WORK/ids.txt" "$REC_PATH" "$WORK/static" <<'PY'
import json, os, sys, urllib.request
base, key, ids_file, path_fmt, out = sys.argv[1:]
ids = [l.strip() for l in open(ids_file)][:300]
bodies = []
for i in ids:
    req = urllib.request.Request(base + path_fmt.replace("%s", i), headers={"Authorization": f"Bearer {key}"})
    with urllib.request.urlopen(req, timeout=30) as r:
        bodies.append(r.read())
bodies.sort(key=len)
os.makedirs(out, exist_ok=True)
open(os.path.join(out, "recommendations.json"), "wb").write(bodies[len(bodies) // 2])
json.dump({"sampled": len(bodies), "min_bytes": len(bodies[0]), "median_bytes": len(bodies[len(bodies) // 2]),
           "max_bytes": len(bodies[-1]), "mean_bytes": round(sum(map(len, bodies)) / len(bodies))},
          open(os.path.join(out, "sizes.json"), "w"))
PY
cat "$WORK/static/sizes.json"; echo
NG_PORT=$(bench_free_port)
bench_start_nginx "$WORK/nginx" "$NG_PORT" "
    root $WORK/static;
    location / { default_type application/json; }"

run_wrk() {  # run_wrk URL PATH SECONDS OUT
  BENCH_IDS=$WORK/ids.txt BENCH_KEY=$KEY BENCH_PATH=$2 \
    timeout $(($3 + 30)) wrk -t"$THREADS" -c"$CONNS" -d"$3s" --timeout 5s -s bench/recommend/wrk.lua "$1" >"$4.txt"
  grep '^BENCHJSON ' "$4.txt" | sed 's/^BENCHJSON //' >"$4.json"
  cat "$4.json"
}
echo "==> warm-up (3 s each)"
run_wrk "http://127.0.0.1:$UP_PORT" "$REC_PATH" 3 "$WORK/warm-uplift" >/dev/null
run_wrk "http://127.0.0.1:$NG_PORT" /recommendations.json 3 "$WORK/warm-nginx" >/dev/null
echo "==> wrk nginx static file: $THREADS threads, $CONNS connections, ${DURATION}s"
run_wrk "http://127.0.0.1:$NG_PORT" /recommendations.json "$DURATION" "$WORK/nginx"
echo "==> wrk uplift $REC_PATH: $THREADS threads, $CONNS connections, ${DURATION}s"
run_wrk "http://127.0.0.1:$UP_PORT" "$REC_PATH" "$DURATION" "$WORK/uplift"
RSS_KIB=$(bench_rss_kib "$UPLIFT_PID")

python3 - "$WORK" "$scale" "$ACCOUNTS" "$LEARNERS" "$READY_S" "$RSS_KIB" "$REC_PATH" "$THREADS" "$CONNS" "$DURATION" "$MACHINE" <<'PY' > bench/results/recommend.json
import json, sys
work, scale, accounts, learners, ready_s, rss_kib, path, threads, conns, duration, machine = sys.argv[1:]
up, ng = json.load(open(f"{work}/uplift.json")), json.load(open(f"{work}/nginx.json"))
sizes = json.load(open(f"{work}/static/sizes.json"))
rps = lambda r: r["requests"] / (r["duration_us"] / 1e6)
errors = lambda r: sum(r["errors"].values())
if errors(up):
    sys.exit(f"recommend: uplift had errors {up['errors']} (non-2xx or socket) — see {work}/uplift.txt")
u_rps, n_rps = rps(up), rps(ng)
u_p99, n_p99 = up["latency_us"]["p99"] / 1000, ng["latency_us"]["p99"] / 1000
out = {"benchmark": "recommend", "scale": scale,
       "workload": {"demo_accounts": int(accounts), "learners": int(learners), "path": path,
                    "wrk": {"threads": int(threads), "connections": int(conns), "duration_s": int(duration)},
                    "response_bytes": sizes},
       "uplift": {**up, "rps": round(u_rps), "ready_s": float(ready_s), "rss_mib": round(int(rss_kib) / 1024, 1)},
       "nginx": {**ng, "rps": round(n_rps)},
       "comparisons": [
         {"metric": f"GET recommendations, random of {int(learners):,} learners", "unit": "req/s",
          "uplift": round(u_rps), "reference": round(n_rps), "reference_tool": f"nginx static {sizes['median_bytes']} B JSON",
          "ratio": round(u_rps / n_rps, 3), "higher_is_better": True, "goal": ">= 0.5x", "met": u_rps / n_rps >= 0.5},
         {"metric": "GET recommendations p99 latency", "unit": "ms", "uplift": round(u_p99, 3), "reference": round(n_p99, 3),
          "reference_tool": "nginx static file", "ratio": round(u_p99 / n_p99, 2) if n_p99 else None,
          "higher_is_better": False, "goal": "p99 <= 5 ms", "met": u_p99 <= 5}],
       "machine": json.loads(machine)}
print(json.dumps(out, indent=2))
PY
python3 bench/lib/show.py bench/results/recommend.json
echo "==> wrote bench/results/recommend.json"
