#!/usr/bin/env bash
# Alert burst: N accounts cross a trigger condition at once (an admin of each, renewing within 90
# days, is marked departed), posted to `uplift serve` (SQLite) through POST /v1/records while a
# reader of its own (another process) measures GET /v1/accounts/{id}, paced at READ_RATE a second
# from just before the burst's first POST. Two runs on copies of one store, in the same run:
#   alerts on   every alert goes to a Slack-format and a Standard Webhooks receiver
#               (tests/e2e/alerts/receiver.mjs, each webhook verified); the reader stops when the
#               last alert of the burst has been delivered
#   alerts off  `uplift serve --no-alerts`, the same burst — the reference for ingest throughput
#               and read latency; the reader reads for as long as it did with alerts on, and the
#               receiver gets the same deliveries again (a node client at nice +10, like uplift's
#               sending threads, sends the bodies the receiver got with alerts on, each webhook
#               signed afresh before the clock starts, spread over the time delivery took, from
#               the burst's first POST), and the receiver's count is polled as often: on this
#               shared 2-core machine the receiver's own work (each signature verified, each Block
#               Kit message checked) is not uplift's, so both runs carry it. The reference also
#               carries that client's own sending (its HTTP work stands in for uplift's), so the
#               ratios measure what uplift's alerting costs beyond a plain sender of the same POSTs
# Reported: time from the burst's first POST to the last delivery (and, as its reference, a
# client POSTing the same deliveries straight to the receiver), peak resident memory,
# ingest records/s and the reads' p99 with alerts on vs off (goal: within 10 %), and the reads'
# p50 (reported). ROUNDS rounds of both runs: each row is its median round (a burst's ingest
# lasts a few tenths of a second, and on a shared 2-core VM one round's ratio is noise); every
# round's figures are in the JSON.
#   bench/alerts/run.sh [--scale small|full]     small: 2,000 accounts, full: 10,000
# Writes bench/results/alerts.json.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
source bench/lib/scale.sh
bench_scale alerts "$@"
case "$scale" in small) N=2000 ;; full) N=10000 ;; esac
READ_RATE=200  # reads a second: over a thousand during a small burst's seconds of delivery
ROUNDS=3
BIN=${UPLIFT_BIN:-$ROOT/build/uplift}
[ -x "$BIN" ] || { echo "bench/alerts: $BIN not built (./run build)" >&2; exit 2; }
source bench/lib/common.sh
source bench/lib/npm.sh
npm_install tests/e2e
WORK=$ROOT/bench/work/alerts
rm -rf "$WORK" && mkdir -p "$WORK" bench/results
MACHINE=$(bench_machine_json)

echo "==> alerts: a store of 300 demo accounts, and a burst of $N accounts whose admin left"
"$BIN" demo generate --accounts 300 --seed 7 --out "$WORK/demo" >/dev/null
"$BIN" import --db "sqlite:$WORK/base.db" -q "$WORK"/demo/*.ndjson >/dev/null
INGEST_KEY=$("$BIN" keys create --db "sqlite:$WORK/base.db" --scope ingest --name bench-ingest --quiet)
READ_KEY=$("$BIN" keys create --db "sqlite:$WORK/base.db" --scope analyst --name bench-read --quiet)
NOW=$(jq -r .now "$WORK/demo/truth.json")
python3 - "$N" "$NOW" > "$WORK/burst.ndjson" <<'PY'
import json, sys, datetime
n, now = int(sys.argv[1]), datetime.date.fromisoformat(sys.argv[2])
renewal, left = (now + datetime.timedelta(days=45)).isoformat(), (now - datetime.timedelta(days=1)).isoformat() + "T09:00:00Z"
for i in range(n):
    a = f"burst-{i:05d}"
    print(json.dumps({"kind": "account", "id": a, "name": f"Burst {i}", "csm": "ana", "tier": "smb", "plan": "starter",
                      "arr": 10000 + i, "renewal_date": renewal, "created_at": "2026-01-05T00:00:00Z"}))
    print(json.dumps({"kind": "learner", "id": f"{a}-u1", "account": a, "role": "admin", "email": f"admin@{a}.example.com",
                      "created_at": "2026-01-05T00:00:00Z", "departed_at": left}))
PY
READS=$(jq -r '.id' "$WORK/demo/accounts.ndjson" | head -50 | paste -sd,)

# The config: the shipped graph and catalogs, one rule (the champion departure) and two destinations.
CFG=$WORK/cfg
mkdir -p "$CFG/triggers"
cp -r milestones segments content_maps targets "$CFG/"
export HOOK_SECRET="whsec_$(node -e 'console.log(require("crypto").randomBytes(32).toString("base64"))')"
RECV_LOG=$WORK/receiver.log
node tests/e2e/alerts/receiver.mjs "$WORK/recv.port" '{}' >"$RECV_LOG" 2>&1 &
BENCH_PIDS+=($!)
for _ in $(seq 1 100); do [ -s "$WORK/recv.port" ] && break; sleep 0.1; done
RPORT=$(cat "$WORK/recv.port")
cat > "$CFG/triggers/bench.json" <<JSON
{"triggers": [{"id": "champion_left", "title": "Champion left before renewal",
   "when": {"champion_departed": {"roles": ["admin"], "within_days": 30}}, "renewal_within_days": 90,
   "action": "Refresh the stakeholder map."}],
 "destinations": [
   {"name": "slack", "type": "slack", "url": "http://127.0.0.1:$RPORT/slack/T0/B0/x", "per_second": 5000, "max_in_flight": 8},
   {"name": "hook", "type": "webhook", "url": "http://127.0.0.1:$RPORT/hook/uplift", "secret": "env:HOOK_SECRET",
    "per_second": 5000, "max_in_flight": 8}]}
JSON
export UPLIFT_CONFIG_DIR=$CFG

run_burst() {  # run_burst TAG READ_SECONDS [serve args...]: with READ_SECONDS 0, read until delivered
  local tag=$1 read_s=$2; shift 2
  cp "$WORK/base.db" "$WORK/$tag.db"
  local port; port=$(bench_free_port)
  bench_start_uplift "$BIN" "sqlite:$WORK/$tag.db" "$port" "$WORK/serve-$tag.log" --config "$CFG" "$@"
  curl -sS -X POST -d '{}' "http://127.0.0.1:$RPORT/_plan" >/dev/null
  sleep 2  # the start-up judgement's alerts (of the demo accounts) go out first
  local stop=$WORK/stop-$tag
  rm -f "$stop"
  local receiver_load= ready=$WORK/ready-$tag go=$WORK/go-$tag
  rm -f "$ready" "$go"
  if [ "$read_s" != 0 ]; then  # the receiver's load of the delivery with alerts on, without uplift
    nice -n 10 node bench/alerts/client.mjs direct "http://127.0.0.1:$RPORT" $((2 * N)) 16 "$DELIVER_S" "$SAMPLES" \
      "$ready" "$go" >"$WORK/receiver-load-$tag.json" &
    receiver_load=$!
    BENCH_PIDS+=("$receiver_load")
    # Its requests are built and signed before anything is measured.
    for _ in $(seq 1 600); do [ -e "$ready" ] && break; sleep 0.05; done
    [ -e "$ready" ] || { echo "bench/alerts: the receiver's load client did not get ready" >&2; exit 1; }
  fi
  node bench/alerts/client.mjs reads "http://127.0.0.1:$port" "$READ_KEY" "$READS" "$READ_RATE" "$stop" \
    "$([ "$read_s" = 0 ] && echo 600 || echo "$read_s")" >"$WORK/reads-$tag.json" &
  local reader=$!
  BENCH_PIDS+=("$reader")
  sleep 0.2  # the reader's connection is open and reading before the first POST
  touch "$go"
  node bench/alerts/client.mjs burst "http://127.0.0.1:$port" "$INGEST_KEY" "$WORK/burst.ndjson" 500 4 \
    | tee "$WORK/burst-$tag.json"
  if [ "$read_s" = 0 ]; then
    local deadline=$((SECONDS + 600))
    # Each alert names its account (burst-NNNNN) in both formats; /_count is cheap to poll.
    until [ "$(curl -sS "http://127.0.0.1:$RPORT/_count?contains=burst-" | jq .ok)" -ge $((2 * N)) ]; do
      [ $SECONDS -lt $deadline ] || { echo "bench/alerts: not every alert delivered within 600 s" >&2; exit 1; }
      sleep 0.1
    done
    touch "$stop"
    curl -sS "http://127.0.0.1:$RPORT/_received" > "$WORK/received-$tag.json"
    curl -sS "http://127.0.0.1:$port/metrics" > "$WORK/metrics-$tag.txt"
  else
    # The receiver's count is polled as often as with alerts on, for as long as the reader reads.
    while kill -0 "$reader" 2>/dev/null; do
      curl -sS "http://127.0.0.1:$RPORT/_count?contains=burst-" >/dev/null
      sleep 0.1
    done
  fi
  wait "$reader" || { echo "bench/alerts: the reader failed (alerts $tag)" >&2; exit 1; }
  [ -z "$receiver_load" ] || wait "$receiver_load" || { echo "bench/alerts: the receiver's load client failed" >&2; exit 1; }
  cat "$WORK/reads-$tag.json"
  grep VmHWM "/proc/$UPLIFT_PID/status" | awk '{print $2}' > "$WORK/hwm-$tag.kib"
  bench_kill "$UPLIFT_PID"
}
for round in $(seq 1 "$ROUNDS"); do
  curl -sS -X POST "http://127.0.0.1:$RPORT/_reset" >/dev/null
  echo "==> round $round of $ROUNDS: alerts on: a burst of $N accounts, every alert to Slack-format and signed-webhook receivers; reads alongside until delivered"
  run_burst "on-$round" 0
  READ_S=$(jq -r '.seconds' "$WORK/reads-on-$round.json")
  # The burst's deliveries (not the start-up judgement's): how long they took, and the samples
  # sent again to the run without alerts.
  SAMPLES=$WORK/samples-$round.json
  t0=$(jq .started "$WORK/burst-on-$round.json")
  jq --argjson t0 "$t0" '[.[] | select(.ok and .at >= $t0)]' "$WORK/received-on-$round.json" > "$SAMPLES"
  DELIVER_S=$(jq -r --argjson t0 "$t0" '(map(.at) | max - $t0) / 1000' "$SAMPLES")
  echo "==> round $round of $ROUNDS: alerts off (reference): the same burst, reads alongside for the same ${READ_S} s, $((2 * N)) POSTs to the receiver over ${DELIVER_S} s"
  run_burst "off-$round" "$READ_S" --no-alerts
done
echo "==> reference: the same $((2 * N)) deliveries POSTed straight to the receiver, 16 connections"
node bench/alerts/client.mjs direct "http://127.0.0.1:$RPORT" $((2 * N)) 16 "" "$WORK/samples-1.json" | tee "$WORK/direct.json"

python3 - "$WORK" "$scale" "$N" "$MACHINE" "$READ_RATE" "$ROUNDS" <<'PY' > bench/results/alerts.json
import json, sys
work, scale, n, machine, rate, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3]), json.loads(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
load = lambda f: json.load(open(f"{work}/{f}"))
direct = load("direct.json")
runs = []
for k in range(1, rounds + 1):
    on, off = load(f"burst-on-{k}.json"), load(f"burst-off-{k}.json")
    reads = {"on": load(f"reads-on-{k}.json"), "off": load(f"reads-off-{k}.json")}
    for tag, r in reads.items():
        if r["failed"] or r["reads"] < 100:
            sys.exit(f"bench/alerts: round {k}: the reader got {r['failed']} failed and {r['reads']} good answers with alerts {tag}")
    for tag, r in (("off", off), ("on", on)):
        if r["failed_batches"]:
            sys.exit(f"bench/alerts: round {k}: {r['failed_batches']} batches failed with alerts {tag}")
    received = load(f"received-on-{k}.json")
    bad = [e for e in received if not e["ok"]]
    if bad:
        sys.exit(f"bench/alerts: round {k}: the receiver refused {len(bad)} deliveries: {bad[0]['why']}")
    burst = [e for e in received if e.get("id") and e["at"] >= on["started"]]
    hwm = {t: int(open(f"{work}/hwm-{t}-{k}.kib").read()) for t in ("off", "on")}
    runs.append({"round": k, "on": on, "off": off, "reads": reads, "delivered": len(burst),
                 "deliver_s": round((max(e["at"] for e in burst) - on["started"]) / 1000, 3), "hwm_kib": hwm})

def median_run(key):  # the round whose value of `key` is the median
    return sorted(runs, key=key)[len(runs) // 2]

r = median_run(lambda x: x["deliver_s"])
cmp = [
  {"metric": f"deliver a burst of {n} alerts to 2 destinations ({2*n} signed/Block Kit POSTs), from the first ingest POST "
             f"(median of {rounds} rounds)",
   "unit": "s", "uplift": r["deliver_s"], "reference": direct["seconds"], "reference_tool": "node client POSTing the same deliveries (re-signed) straight to the receiver",
   "ratio": round(r["deliver_s"] / direct["seconds"], 3), "higher_is_better": False, "goal": "reported"},
]
r = median_run(lambda x: x["on"]["records_per_s"] / x["off"]["records_per_s"])
cmp.append(
  {"metric": f"ingest during the burst, alerts on vs off (median of {rounds} rounds)", "unit": "records/s", "uplift": r["on"]["records_per_s"],
   "reference": r["off"]["records_per_s"], "reference_tool": "uplift serve --no-alerts, same burst, receiver load",
   "ratio": round(r["on"]["records_per_s"] / r["off"]["records_per_s"], 3), "higher_is_better": True, "goal": ">= 0.9",
   "met": r["on"]["records_per_s"] >= 0.9 * r["off"]["records_per_s"]})
r = median_run(lambda x: x["reads"]["on"]["p99_ms"] / x["reads"]["off"]["p99_ms"])
ro, rf = r["reads"]["on"], r["reads"]["off"]
cmp.append(
  {"metric": f"read p99 GET /v1/accounts/{{id}} from the burst's first POST until its last alert is delivered "
             f"({ro['reads']:,} reads paced at {rate}/s over {ro['seconds']} s), alerts on vs off (median of {rounds} rounds)",
   "unit": "ms", "uplift": ro["p99_ms"], "reference": rf["p99_ms"],
   "reference_tool": f"uplift serve --no-alerts, same burst, reader and receiver load, {rf['reads']:,} reads",
   "ratio": round(ro["p99_ms"] / rf["p99_ms"], 3), "higher_is_better": False, "goal": "<= 1.1",
   "met": ro["p99_ms"] <= 1.1 * rf["p99_ms"]})
r = median_run(lambda x: x["reads"]["on"]["p50_ms"] / x["reads"]["off"]["p50_ms"])
cmp.append(
  {"metric": f"read p50 GET /v1/accounts/{{id}}, the same reads, alerts on vs off (median of {rounds} rounds)", "unit": "ms",
   "uplift": r["reads"]["on"]["p50_ms"], "reference": r["reads"]["off"]["p50_ms"],
   "reference_tool": "uplift serve --no-alerts, same burst, reader and receiver load",
   "ratio": round(r["reads"]["on"]["p50_ms"] / r["reads"]["off"]["p50_ms"], 3), "higher_is_better": False, "goal": "reported"})
hwm = {t: max(x["hwm_kib"][t] for x in runs) for t in ("on", "off")}
cmp.append(
  {"metric": f"peak resident memory of uplift serve, alerts on vs off (highest of {rounds} rounds)", "unit": "MiB", "uplift": round(hwm["on"] / 1024, 1),
   "reference": round(hwm["off"] / 1024, 1), "reference_tool": "uplift serve --no-alerts", "ratio": round(hwm["on"] / hwm["off"], 3),
   "higher_is_better": False, "goal": "reported"})
print(json.dumps({"benchmark": "alerts", "scale": scale, "burst_accounts": n, "rounds": runs, "direct": direct,
                  "comparisons": cmp, "machine": machine}, indent=2))
PY
python3 bench/lib/show.py bench/results/alerts.json
echo "==> wrote bench/results/alerts.json"
