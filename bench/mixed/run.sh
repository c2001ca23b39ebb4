#!/usr/bin/env bash
# Reads while writes: GET /v1/learners/{id}/recommendations latency on `uplift serve` (SQLite,
# 127.0.0.1) while NDJSON ingest runs on the same server at a steady target rate, against the same
# reader on the same server with no ingest — in the same run, one after the other.
#   bench/mixed/run.sh [--scale small|full]
#     small: 10,000 demo accounts (~170k learners, as bench/recommend), 20 s per phase
#     full:  100,000 demo accounts (~1.7M learners), 30 s per phase
# Goal (issue 23): recommendation p99 <= 5 ms while ingest runs at >= 5,000 events/s.
#
# The reader is bench/recommend's wrk script (a random learner per request, lms key), 1 thread and
# 4 keep-alive connections — an LMS calling from a few app-server workers — paced: each connection
# waits 4 ms after an answer (BENCH_DELAY_MS), so about 1,000 requests/s, page loads rather than
# a saturating loop. Unpaced, 4 wrk connections take both cores of this machine by themselves and
# the p99 would measure CPU contention between wrk, the readers and the ingest client rather than
# whether a read waits for a write (bench/recommend measures the saturated case).
# The writer is bench/mixed/ingest.mjs: batches of 500 new events (random known learners, milestone
# event names, unique ids) to POST /v1/records, one due every 500/RATE s, over up to 4 keep-alive
# connections, starting 3 s before the reader's window and ending 2 s after it; the events/s
# reported are those acknowledged (200, accepted) inside the reader's window.
# Phases: warm-up (3 s reader), reference (reader alone), mixed (reader + ingest).
# Writes bench/results/mixed.json (schema: bench/run).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
source bench/lib/scale.sh
bench_scale mixed "$@"
case "$scale" in
  small) ACCOUNTS=10000 EPA=40 DURATION=20 ;;
  full) ACCOUNTS=100000 EPA=20 DURATION=30 ;;
esac
# BENCH_MIXED_ACCOUNTS / BENCH_MIXED_SECONDS exist only to try the harness at a tiny size.
ACCOUNTS=${BENCH_MIXED_ACCOUNTS:-$ACCOUNTS} DURATION=${BENCH_MIXED_SECONDS:-$DURATION}
RATE=6000 BATCH=500 INGEST_CONNS=4 LEAD_S=3 TAIL_S=2   # target events/s (goal: >= 5,000 achieved)
READ_THREADS=1 READ_CONNS=4 READ_DELAY_MS=4 SAMPLE_IDS=200000
REC_PATH=/v1/learners/%s/recommendations
BIN=${UPLIFT_BIN:-$ROOT/build/uplift}
[ -x "$BIN" ] || { echo "bench/mixed: $BIN not built (./run build)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "bench/mixed: wrk missing (./run bench installs it)" >&2; exit 2; }
command -v node >/dev/null || { echo "bench/mixed: node missing" >&2; exit 2; }
source bench/lib/common.sh
export UPLIFT_CONFIG_DIR=$ROOT

WORK=$ROOT/bench/work/mixed
mkdir -p "$WORK" bench/results
RESULT=bench/results/mixed.json
MACHINE=$(bench_machine_json)

# Demo data is cached per size (the generator is deterministic); the store is imported afresh
# every run, since the ingest phase adds to it.
DATA=$WORK/data-$ACCOUNTS
if [ ! -f "$DATA/.generated" ]; then
  rm -rf "$DATA"
  echo "==> mixed: demo data ($ACCOUNTS accounts, ~$EPA events each)"
  "$BIN" demo generate --accounts "$ACCOUNTS" --seed 11 --events-per-account "$EPA" --out "$DATA" >/dev/null
  touch "$DATA/.generated"
fi
rm -f "$WORK"/uplift.db*
DB=sqlite:$WORK/uplift.db
echo "==> mixed: importing $ACCOUNTS demo accounts into a fresh SQLite store"
"$BIN" import --db "$DB" -q "$DATA"/*.ndjson >/dev/null
python3 - "$DATA/learners.ndjson" "$WORK/ids.txt" "$WORK/learners.tsv" "$SAMPLE_IDS" <<'PY'
import json, random, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
ids = [r["id"] for r in rows]
random.Random(5).shuffle(ids)
open(sys.argv[2], "w").write("\n".join(ids[: int(sys.argv[4])]) + "\n")
open(sys.argv[3], "w").write("".join(f"{r['id']}\t{r['account']}\n" for r in rows))
PY
LEARNERS=$(wc -l <"$WORK/learners.tsv")
READ_KEY=$("$BIN" keys create --db "$DB" --scope lms --name "bench-mixed-read-$$" --quiet)
INGEST_KEY=$("$BIN" keys create --db "$DB" --scope ingest --name "bench-mixed-ingest-$$" --quiet)

UP_PORT=$(bench_free_port)
echo "==> mixed: uplift serve ($LEARNERS learners, default flags) on 127.0.0.1:$UP_PORT"
bench_start_uplift "$BIN" "$DB" "$UP_PORT" "$WORK/serve.log"
UP=http://127.0.0.1:$UP_PORT

read_phase() {  # read_phase SECONDS OUT: the paced reader; epoch start/end in OUT.window
  local t0 t1
  t0=$(date +%s.%N)
  BENCH_IDS=$WORK/ids.txt BENCH_KEY=$READ_KEY BENCH_PATH=$REC_PATH BENCH_DELAY_MS=$READ_DELAY_MS \
    timeout $(($1 + 30)) wrk -t"$READ_THREADS" -c"$READ_CONNS" -d"$1s" --timeout 5s -s bench/recommend/wrk.lua "$UP" >"$2.txt"
  t1=$(date +%s.%N)
  echo "$t0 $t1" >"$2.window"
  grep '^BENCHJSON ' "$2.txt" | sed 's/^BENCHJSON //' >"$2.json"
  cat "$2.json"
}
echo "==> warm-up: reader 3 s"
read_phase 3 "$WORK/warm" >/dev/null
echo "==> reference: reader alone, $READ_THREADS thread x $READ_CONNS connections, ${READ_DELAY_MS} ms pause, ${DURATION}s"
read_phase "$DURATION" "$WORK/alone"

echo "==> mixed: ingest at $RATE events/s (batches of $BATCH, up to $INGEST_CONNS connections) and the same reader, ${DURATION}s"
INGEST_S=$((LEAD_S + DURATION + TAIL_S))
timeout $((INGEST_S + 60)) node bench/mixed/ingest.mjs "$UP" "$INGEST_KEY" "$WORK/learners.tsv" "$RATE" "$BATCH" \
  "$INGEST_CONNS" "$INGEST_S" "mixed-$$-$(date +%s)" "$WORK/ingest.json" &
INGEST_PID=$!
BENCH_PIDS+=("$INGEST_PID")
sleep "$LEAD_S"
kill -0 "$INGEST_PID" 2>/dev/null || { echo "bench/mixed: the ingest client exited early" >&2; exit 1; }
read_phase "$DURATION" "$WORK/with-ingest"
rc=0; wait "$INGEST_PID" || rc=$?
[ "$rc" -eq 0 ] || { echo "bench/mixed: the ingest client failed (exit $rc)" >&2; exit 1; }
RSS_KIB=$(bench_rss_kib "$UPLIFT_PID")

python3 - "$WORK" "$scale" "$ACCOUNTS" "$LEARNERS" "$RSS_KIB" "$MACHINE" "$RATE" "$BATCH" "$INGEST_CONNS" \
  "$READ_THREADS" "$READ_CONNS" "$READ_DELAY_MS" "$DURATION" <<'PY' >"$WORK/result.json"
import json, sys
(work, scale, accounts, learners, rss_kib, machine, rate, batch, iconns,
 rthreads, rconns, rdelay, duration) = sys.argv[1:]
load = lambda n: json.load(open(f"{work}/{n}.json"))
alone, mixed, ingest = load("alone"), load("with-ingest"), load("ingest")
w0, w1 = (float(x) for x in open(f"{work}/with-ingest.window").read().split())
for name, r in (("alone", alone), ("with-ingest", mixed)):
    if sum(r["errors"].values()):
        sys.exit(f"mixed: reader errors {r['errors']} (non-2xx or socket) — see {work}/{name}.txt")
if ingest["accepted"] != ingest["events_sent"] or set(ingest["statuses"]) != {"200"}:
    sys.exit(f"mixed: ingest accepted {ingest['accepted']} of {ingest['events_sent']}, statuses {ingest['statuses']}")
# Events acknowledged inside the reader's window, per second of it (and the slowest whole second).
in_window = sum(n for t, n in ingest["acks"] if w0 * 1000 <= t <= w1 * 1000)
window_rate = in_window / (w1 - w0)
per_s = [0] * max(1, int(w1 - w0))
for t, n in ingest["acks"]:
    i = int(t / 1000 - w0)
    if 0 <= i < len(per_s):
        per_s[i] += n
rps = lambda r: r["requests"] / (r["duration_us"] / 1e6)
p = lambda r, q: r["latency_us"][q] / 1000
reader = f"{rthreads}x{rconns} conns, ~{int(rconns) * 1000 // int(rdelay)} req/s paced"
ingest_label = f"{round(window_rate):,} events/s achieved of {int(rate):,} targeted"
acks = ingest.pop("acks")
out = {"benchmark": "mixed", "scale": scale,
       "workload": {"store": "sqlite", "demo_accounts": int(accounts), "learners": int(learners),
                    "reader": {"tool": "wrk + bench/recommend/wrk.lua", "threads": int(rthreads),
                               "connections": int(rconns), "pause_ms": int(rdelay), "duration_s": int(duration)},
                    "ingest": {"tool": "bench/mixed/ingest.mjs", "path": "/v1/records", "format": "ndjson",
                               "target_events_per_s": int(rate), "batch": int(batch), "connections": int(iconns)},
                    "serve_flags": "defaults (16 threads)"},
       "reader_alone": {**alone, "rps": round(rps(alone))},
       "reader_with_ingest": {**mixed, "rps": round(rps(mixed))},
       "ingest": {**ingest, "events_per_s_in_reader_window": round(window_rate),
                  "events_per_s_by_second_in_window": per_s, "acknowledged_requests": len(acks)},
       "uplift_rss_mib_after": round(int(rss_kib) / 1024, 1),
       "comparisons": [
         {"metric": f"GET recommendations p99 while ingest runs ({reader}; ingest {ingest_label})", "unit": "ms",
          "uplift": round(p(mixed, "p99"), 3), "reference": round(p(alone, "p99"), 3),
          "reference_tool": "same server and reader, no ingest",
          "ratio": round(p(mixed, "p99") / p(alone, "p99"), 2) if p(alone, "p99") else None, "higher_is_better": False,
          "goal": "p99 <= 5 ms at >= 5,000 events/s", "met": p(mixed, "p99") <= 5 and window_rate >= 5000},
         {"metric": f"GET recommendations p50 while ingest runs ({reader})", "unit": "ms",
          "uplift": round(p(mixed, "p50"), 3), "reference": round(p(alone, "p50"), 3),
          "reference_tool": "same server and reader, no ingest",
          "ratio": round(p(mixed, "p50") / p(alone, "p50"), 2) if p(alone, "p50") else None, "higher_is_better": False,
          "goal": "reported"},
         {"metric": f"ingest POST /v1/records NDJSON during the reads (batch {batch}, up to {iconns} conns, slowest second {min(per_s):,})",
          "unit": "events/s", "uplift": round(window_rate), "reference": int(rate), "reference_tool": "target rate",
          "ratio": round(window_rate / int(rate), 3), "higher_is_better": True, "goal": ">= 5,000 events/s",
          "met": window_rate >= 5000}],
       "machine": json.loads(machine)}
print(json.dumps(out, indent=2))
PY
cp "$WORK/result.json" "$RESULT"
python3 bench/lib/show.py "$RESULT"
echo "==> wrote $RESULT"
if [ "$scale" = full ]; then mkdir -p bench/results/full && cp "$RESULT" bench/results/full/mixed.json && echo "==> and bench/results/full/mixed.json"; fi
