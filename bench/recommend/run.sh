#!/usr/bin/env bash
# Recommendations benchmark: `wrk` against GET /v1/learners/{id}/recommendations for random
# learners (lms key) on `uplift serve` (SQLite, 127.0.0.1), versus nginx serving a static JSON
# file of the same size as a real response, sent the very same requests (nginx answers every
# learner's path with that file) by the same wrk script, threads, connections and duration, in
# the same run.
#   bench/recommend/run.sh [--scale small|full]
#     small: 10,000 demo accounts (~170k learners), 20 s a run (the saturated phase: 3 runs a side)
#     full:  100,000 demo accounts (~1.7M learners), 30 s a run (the saturated phase: 3 runs a side)
# Goals: uplift >= 0.6x nginx requests/s at 2x16 connections (issue 23; issue 7 asked 0.5x, which
# the lms configuration below keeps) and p99 <= 5 ms.
#
# Two wrk configurations, each run against both servers with identical settings:
#  * "saturated": 2 wrk threads, 16 connections — the original configuration, run 3 times
#    alternating nginx and uplift; each side's median run is compared.
#    On this 2-core machine wrk and the server under test share the cores, so 16 busy
#    connections queue behind the CPU: nginx itself measures p99 well above 5 ms here (18.8 ms
#    in the first recorded run). Its p99 row is reported honestly, but it cannot tell a slow
#    server from a saturated machine.
#  * "lms": 1 wrk thread, 4 connections — an LMS calling us from a few app-server workers, where
#    the machine is not saturated and nginx stays well within 5 ms; this is the configuration the
#    p99 <= 5 ms goal is judged on. Throughput is compared in both.
#  * "c512": 2 wrk threads, 512 keep-alive connections (issue 23: no errors — socket errors,
#    timeouts, non-2xx — and p99 <= 20 ms). All 512 come from one address (127.0.0.1), as they
#    would through one proxy or LMS host, so uplift runs with --max-connections-per-client 1024
#    (the default 256 per address would refuse half of them by design); everything else at its
#    default (--max-queued 1024 requests may wait for one of the 16 threads; a thread serves a
#    connection's requests in a row, 4 at most while others wait). On a server of its own,
#    started for it; nginx (2 workers, 1024 connections each) with the same wrk settings.
#    Saturated like this, every connection always has a request waiting: the p99 measures the
#    queue of 512 requests in front of 2 cores (nginx's own p99 is about 20-25 ms here).
#  * "c512 paced": the same 512 keep-alive connections, each pausing 100 ms after an answer (at
#    most ~5,000 requests/s offered, under the saturated throughput) — a fleet of LMS app servers
#    each holding a connection open, the case the goal (no errors, p99 <= 20 ms) is judged on;
#    uplift with the flags of "c512" (only the per-address cap raised), nginx alike.
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
THREADS=2 CONNS=16 SAMPLE_IDS=200000  # "saturated"
ROUNDS=3                                # "saturated" runs, alternating nginx and uplift (median compared)
LMS_THREADS=1 LMS_CONNS=4               # "lms" (see the comment at the top)
C512_THREADS=2 C512_CONNS=512           # "c512" (see the comment at the top)
C512_FLAGS=(--max-connections-per-client 1024)
C512_DELAY_MS=100                        # "c512 paced": each connection's pause after an answer
# BENCH_RECOMMEND_PATH exists only to try the harness on another per-learner endpoint.
REC_PATH=${BENCH_RECOMMEND_PATH:-/v1/learners/%s/recommendations}
BIN=${UPLIFT_BIN:-$ROOT/build/uplift}
[ -x "$BIN" ] || { echo "bench/recommend: $BIN not built (./run build)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "bench/recommend: wrk missing (./run bench installs it)" >&2; exit 2; }
source bench/lib/common.sh
export UPLIFT_CONFIG_DIR=$ROOT
# 512 connections are 512 descriptors in wrk, in uplift and in an nginx worker: raise the soft
# open-file limit (inherited by all three) if it is lower than that with room to spare.
NOFILE_NEED=$((C512_CONNS * 2 + 256))
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$NOFILE_NEED" ]; then
  ulimit -n "$NOFILE_NEED" 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$NOFILE_NEED" ]; then
    echo "bench/recommend: needs $NOFILE_NEED open files for $C512_CONNS connections; ulimit -n is $(ulimit -n) (hard $(ulimit -Hn))" >&2
    exit 2
  fi
fi

WORK=$ROOT/bench/work/recommend
mkdir -p "$WORK" bench/results
RESULT=bench/results/recommend.json  # what bench/run summarizes; a full run is also kept in bench/results/full/
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
    location / { default_type application/json; try_files /recommendations.json =404; }"

run_wrk() {  # run_wrk URL PATH SECONDS OUT [THREADS CONNS]
  BENCH_IDS=$WORK/ids.txt BENCH_KEY=$KEY BENCH_PATH=$2 \
    timeout $(($3 + 30)) wrk -t"${5:-$THREADS}" -c"${6:-$CONNS}" -d"$3s" --timeout 5s -s bench/recommend/wrk.lua "$1" >"$4.txt"
  grep '^BENCHJSON ' "$4.txt" | sed 's/^BENCHJSON //' >"$4.json"
  cat "$4.json"
}
echo "==> warm-up (3 s each)"
run_wrk "http://127.0.0.1:$UP_PORT" "$REC_PATH" 3 "$WORK/warm-uplift" >/dev/null
run_wrk "http://127.0.0.1:$NG_PORT" "$REC_PATH" 3 "$WORK/warm-nginx" >/dev/null
# The saturated phase, whose ratio is the goal, runs ROUNDS times alternating the two servers, and
# each side's median round is compared: on this shared 2-core machine one 20 s run of nginx
# measured anywhere from 115k to 185k requests/s.
for round in $(seq 1 "$ROUNDS"); do
  echo "==> round $round of $ROUNDS: wrk nginx static file: $THREADS threads, $CONNS connections, ${DURATION}s"
  run_wrk "http://127.0.0.1:$NG_PORT" "$REC_PATH" "$DURATION" "$WORK/nginx-round$round"
  echo "==> round $round of $ROUNDS: wrk uplift $REC_PATH: $THREADS threads, $CONNS connections, ${DURATION}s"
  run_wrk "http://127.0.0.1:$UP_PORT" "$REC_PATH" "$DURATION" "$WORK/uplift-round$round"
done
python3 - "$WORK" "$ROUNDS" <<'PY'
import json, shutil, sys
work, rounds = sys.argv[1], int(sys.argv[2])
for side in ("nginx", "uplift"):
    runs = [json.load(open(f"{work}/{side}-round{k}.json")) for k in range(1, rounds + 1)]
    rps = [r["requests"] / (r["duration_us"] / 1e6) for r in runs]
    median = sorted(range(rounds), key=lambda k: rps[k])[rounds // 2]
    shutil.copy(f"{work}/{side}-round{median + 1}.json", f"{work}/{side}.json")
    shutil.copy(f"{work}/{side}-round{median + 1}.txt", f"{work}/{side}.txt")
    json.dump({"rps": [round(x) for x in rps], "median_round": median + 1}, open(f"{work}/{side}-rounds.json", "w"))
    print(f"{side}: " + ", ".join(f"{x:,.0f}" for x in rps) + f" req/s; median round {median + 1}")
PY
echo "==> wrk nginx static file: $LMS_THREADS thread, $LMS_CONNS connections, ${DURATION}s (lms)"
run_wrk "http://127.0.0.1:$NG_PORT" "$REC_PATH" "$DURATION" "$WORK/nginx-lms" "$LMS_THREADS" "$LMS_CONNS"
echo "==> wrk uplift $REC_PATH: $LMS_THREADS thread, $LMS_CONNS connections, ${DURATION}s (lms)"
run_wrk "http://127.0.0.1:$UP_PORT" "$REC_PATH" "$DURATION" "$WORK/uplift-lms" "$LMS_THREADS" "$LMS_CONNS"
RSS_KIB=$(bench_rss_kib "$UPLIFT_PID")
bench_kill "$UPLIFT_PID"

echo "==> wrk nginx static file: $C512_THREADS threads, $C512_CONNS connections, ${DURATION}s (c512)"
run_wrk "http://127.0.0.1:$NG_PORT" "$REC_PATH" "$DURATION" "$WORK/nginx-c512" "$C512_THREADS" "$C512_CONNS"
c512_uplift() {  # c512_uplift TAG FLAGS...: a server of its own with FLAGS, warmed up, then the c512 phase
  local tag=$1; shift
  UP_PORT=$(bench_free_port)
  echo "==> uplift serve $* on 127.0.0.1:$UP_PORT"
  bench_start_uplift "$BIN" "$DB" "$UP_PORT" "$WORK/serve-$tag.log" "$@"
  run_wrk "http://127.0.0.1:$UP_PORT" "$REC_PATH" 3 "$WORK/warm-$tag" >/dev/null
  echo "==> wrk uplift $REC_PATH: $C512_THREADS threads, $C512_CONNS connections, ${DURATION}s ($tag)"
  run_wrk "http://127.0.0.1:$UP_PORT" "$REC_PATH" "$DURATION" "$WORK/$tag" "$C512_THREADS" "$C512_CONNS"
  bench_kill "$UPLIFT_PID"
}
c512_uplift uplift-c512 "${C512_FLAGS[@]}"
echo "==> wrk nginx static file: $C512_CONNS connections, ${C512_DELAY_MS} ms pause, ${DURATION}s (c512 paced)"
BENCH_DELAY_MS=$C512_DELAY_MS run_wrk "http://127.0.0.1:$NG_PORT" "$REC_PATH" "$DURATION" "$WORK/nginx-c512-paced" \
  "$C512_THREADS" "$C512_CONNS"
BENCH_DELAY_MS=$C512_DELAY_MS c512_uplift uplift-c512-paced "${C512_FLAGS[@]}"

python3 - "$WORK" "$scale" "$ACCOUNTS" "$LEARNERS" "$READY_S" "$RSS_KIB" "$REC_PATH" "$THREADS" "$CONNS" "$DURATION" "$MACHINE" "$LMS_THREADS" "$LMS_CONNS" \
  "$C512_THREADS" "$C512_CONNS" "${C512_FLAGS[*]}" "$(ulimit -n)" "$C512_DELAY_MS" <<'PY' > "$WORK/result.json"
import json, sys
(work, scale, accounts, learners, ready_s, rss_kib, path, threads, conns, duration, machine, lms_threads, lms_conns,
 c512_threads, c512_conns, c512_flags, nofile, c512_delay_ms) = sys.argv[1:]
up, ng = json.load(open(f"{work}/uplift.json")), json.load(open(f"{work}/nginx.json"))
up_rounds, ng_rounds = json.load(open(f"{work}/uplift-rounds.json")), json.load(open(f"{work}/nginx-rounds.json"))
up_lms, ng_lms = json.load(open(f"{work}/uplift-lms.json")), json.load(open(f"{work}/nginx-lms.json"))
sizes = json.load(open(f"{work}/static/sizes.json"))
rps = lambda r: r["requests"] / (r["duration_us"] / 1e6)
errors = lambda r: sum(r["errors"].values())
for name, r in [(f"uplift-round{k}", json.load(open(f"{work}/uplift-round{k}.json")))
                for k in range(1, len(up_rounds["rps"]) + 1)] + [("uplift-lms", up_lms)]:
    if errors(r):
        sys.exit(f"recommend: uplift had errors {r['errors']} (non-2xx or socket) — see {work}/{name}.txt")
# At 512 connections errors are what is measured (the goal is none), not a broken run: they are
# reported. Throughput counts 2xx answers only (wrk's "status" errors are the non-2xx ones).
c512 = {n: json.load(open(f"{work}/{n}.json"))
        for n in ("nginx-c512", "uplift-c512", "nginx-c512-paced", "uplift-c512-paced")}
ok_rps = lambda r: (r["requests"] - r["errors"]["status"]) / (r["duration_us"] / 1e6)
u_rps, n_rps = rps(up), rps(ng)
u_p99, n_p99 = up["latency_us"]["p99"] / 1000, ng["latency_us"]["p99"] / 1000
lu_rps, ln_rps = rps(up_lms), rps(ng_lms)
lu_p99, ln_p99 = up_lms["latency_us"]["p99"] / 1000, ng_lms["latency_us"]["p99"] / 1000
out = {"benchmark": "recommend", "scale": scale,
       "workload": {"demo_accounts": int(accounts), "learners": int(learners), "path": path,
                    "wrk": {"threads": int(threads), "connections": int(conns), "duration_s": int(duration)},
                    "wrk_lms": {"threads": int(lms_threads), "connections": int(lms_conns), "duration_s": int(duration)},
                    "response_bytes": sizes},
       "uplift": {**up, "rps": round(u_rps), "rounds_rps": up_rounds["rps"], "ready_s": float(ready_s),
                  "rss_mib": round(int(rss_kib) / 1024, 1)},
       "nginx": {**ng, "rps": round(n_rps), "rounds_rps": ng_rounds["rps"]},
       "lms": {"uplift": {**up_lms, "rps": round(lu_rps)}, "nginx": {**ng_lms, "rps": round(ln_rps)}},
       "c512": {"wrk": {"threads": int(c512_threads), "connections": int(c512_conns), "duration_s": int(duration),
                        "timeout_s": 5}, "ulimit_n": nofile,
                "uplift_flags": c512_flags, "paced_delay_ms": int(c512_delay_ms),
                **{n.replace("-c512", "").replace("-", "_"): {**r, "rps": round(rps(r)), "rps_2xx": round(ok_rps(r)),
                                                            "errors_total": errors(r)} for n, r in c512.items()}},
       "comparisons": [
         {"metric": f"GET recommendations, random of {int(learners):,} learners ({threads}x{conns} conns, saturated; "
                    f"median of {len(up_rounds['rps'])} alternating runs)", "unit": "req/s",
          "uplift": round(u_rps), "reference": round(n_rps), "reference_tool": f"nginx static {sizes['median_bytes']} B JSON",
          "ratio": round(u_rps / n_rps, 3), "higher_is_better": True, "goal": ">= 0.6x", "met": u_rps / n_rps >= 0.6},
         {"metric": f"GET recommendations p99 latency ({threads}x{conns} conns, saturated; the median run)", "unit": "ms", "uplift": round(u_p99, 3), "reference": round(n_p99, 3),
          "reference_tool": "nginx static file", "ratio": round(u_p99 / n_p99, 2) if n_p99 else None,
          "higher_is_better": False, "goal": "p99 <= 5 ms", "met": u_p99 <= 5},
         {"metric": f"GET recommendations ({lms_threads}x{lms_conns} conns, lms)", "unit": "req/s",
          "uplift": round(lu_rps), "reference": round(ln_rps), "reference_tool": f"nginx static {sizes['median_bytes']} B JSON",
          "ratio": round(lu_rps / ln_rps, 3), "higher_is_better": True, "goal": ">= 0.5x", "met": lu_rps / ln_rps >= 0.5},
         {"metric": f"GET recommendations p99 latency ({lms_threads}x{lms_conns} conns, lms)", "unit": "ms", "uplift": round(lu_p99, 3),
          "reference": round(ln_p99, 3), "reference_tool": "nginx static file", "ratio": round(lu_p99 / ln_p99, 2) if ln_p99 else None,
          "higher_is_better": False, "goal": "p99 <= 5 ms", "met": lu_p99 <= 5}]
         + [row for tag, ref, label in (("uplift-c512", "nginx-c512", f"saturated; {c512_flags}"),
                                        ("uplift-c512-paced", "nginx-c512-paced",
                                         f"paced, {c512_delay_ms} ms pause per connection; {c512_flags}"))
            for u, n in ((c512[tag], c512[ref]),)
            for row in (
              {"metric": f"GET recommendations at {c512_conns} keep-alive conns ({c512_threads} wrk threads; {label}): p99, "
                         f"{errors(u):,} errors of {u['requests']:,} (nginx {errors(n):,})", "unit": "ms",
               "uplift": round(u["latency_us"]["p99"] / 1000, 3), "reference": round(n["latency_us"]["p99"] / 1000, 3),
               "reference_tool": "nginx static file, same wrk settings", "errors": u["errors"], "reference_errors": n["errors"],
               "ratio": round(u["latency_us"]["p99"] / n["latency_us"]["p99"], 2) if n["latency_us"]["p99"] else None,
               "higher_is_better": False, "goal": "0 errors and p99 <= 20 ms",
               "met": errors(u) == 0 and u["latency_us"]["p99"] / 1000 <= 20},
              {"metric": f"GET recommendations at {c512_conns} keep-alive conns ({label}): 2xx answers/s", "unit": "req/s",
               "uplift": round(ok_rps(u)), "reference": round(ok_rps(n)),
               "reference_tool": f"nginx static {sizes['median_bytes']} B JSON", "ratio": round(ok_rps(u) / ok_rps(n), 3),
               "higher_is_better": True, "goal": "reported"})],
       "machine": json.loads(machine)}
print(json.dumps(out, indent=2))
PY
cp "$WORK/result.json" "$RESULT"
python3 bench/lib/show.py "$RESULT"
echo "==> wrote $RESULT"
if [ "$scale" = full ]; then mkdir -p bench/results/full && cp "$RESULT" bench/results/full/recommend.json && echo "==> and bench/results/full/recommend.json"; fi
