#!/usr/bin/env bash
# Alert burst: N accounts cross a trigger condition at once (an admin of each, renewing within 90
# days, is marked departed), posted to `uplift serve` (SQLite) through POST /v1/records while a
# reader measures GET /v1/accounts/{id}. Two runs on copies of one store, in the same run:
#   alerts off  `uplift serve --no-alerts` — the reference for ingest throughput and read p99
#   alerts on   the same burst; every alert goes to a Slack-format and a Standard Webhooks
#               receiver (tests/e2e/alerts/receiver.mjs, each webhook verified)
# Reported: time from the burst's first POST to the last delivery (and, as its reference, a
# client POSTing the same number of requests straight to the receiver), peak resident memory,
# and ingest records/s and read p99 with alerts on vs off (goal: within 10 %).
#   bench/alerts/run.sh [--scale small|full]     small: 2,000 accounts, full: 10,000
# Writes bench/results/alerts.json.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
source bench/lib/scale.sh
bench_scale alerts "$@"
case "$scale" in small) N=2000 ;; full) N=10000 ;; esac
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

run_burst() {  # run_burst TAG [serve args...]
  local tag=$1; shift
  cp "$WORK/base.db" "$WORK/$tag.db"
  local port; port=$(bench_free_port)
  bench_start_uplift "$BIN" "sqlite:$WORK/$tag.db" "$port" "$WORK/serve-$tag.log" --config "$CFG" "$@"
  curl -sS -X POST -d '{}' "http://127.0.0.1:$RPORT/_plan" >/dev/null
  sleep 2  # the start-up judgement's alerts (of the demo accounts) go out first
  node bench/alerts/client.mjs burst "http://127.0.0.1:$port" "$INGEST_KEY" "$READ_KEY" "$WORK/burst.ndjson" 500 4 "$READS" \
    | tee "$WORK/burst-$tag.json"
  if [ "$tag" = on ]; then
    local deadline=$((SECONDS + 600))
    until [ "$(curl -sS "http://127.0.0.1:$RPORT/_received" | jq '[.[] | select(.ok and (.body.data.account.id // (.body.text // "") | test("burst-|Burst ")))] | length')" -ge $((2 * N)) ]; do
      [ $SECONDS -lt $deadline ] || { echo "bench/alerts: not every alert delivered within 600 s" >&2; exit 1; }
      sleep 0.5
    done
    curl -sS "http://127.0.0.1:$RPORT/_received" > "$WORK/received.json"
    curl -sS "http://127.0.0.1:$port/metrics" > "$WORK/metrics-on.txt"
  fi
  grep VmHWM "/proc/$UPLIFT_PID/status" | awk '{print $2}' > "$WORK/hwm-$tag.kib"
  bench_kill "$UPLIFT_PID"
}
echo "==> alerts off (reference): burst of $N accounts, reads alongside"
run_burst off --no-alerts
echo "==> alerts on: the same burst, every alert to Slack-format and signed-webhook receivers"
run_burst on
echo "==> reference: $((2 * N)) POSTs straight to the receiver, 16 connections"
node bench/alerts/client.mjs direct "http://127.0.0.1:$RPORT/hook/direct" $((2 * N)) 16 | tee "$WORK/direct.json"

python3 - "$WORK" "$scale" "$N" "$MACHINE" <<'PY' > bench/results/alerts.json
import json, sys
work, scale, n, machine = sys.argv[1], sys.argv[2], int(sys.argv[3]), json.loads(sys.argv[4])
load = lambda f: json.load(open(f"{work}/{f}"))
off, on, direct = load("burst-off.json"), load("burst-on.json"), load("direct.json")
for tag, r in (("off", off), ("on", on)):
    if r["failed_batches"]:
        sys.exit(f"bench/alerts: {r['failed_batches']} batches failed with alerts {tag}")
received = [e for e in load("received.json") if e["ok"] and e.get("id")]
burst = [e for e in received if e["at"] >= on["started"]]
bad = [e for e in load("received.json") if not e["ok"]]
if bad:
    sys.exit(f"bench/alerts: the receiver refused {len(bad)} deliveries: {bad[0]['why']}")
last = max(e["at"] for e in burst)
deliver_s = round((last - on["started"]) / 1000, 3)
hwm = {t: int(open(f"{work}/hwm-{t}.kib").read()) for t in ("off", "on")}
cmp = [
  {"metric": f"deliver a burst of {n} alerts to 2 destinations ({2*n} signed/Block Kit POSTs), from the first ingest POST",
   "unit": "s", "uplift": deliver_s, "reference": direct["seconds"], "reference_tool": "node client POSTing the same count straight to the receiver",
   "ratio": round(deliver_s / direct["seconds"], 3), "higher_is_better": False, "goal": "reported"},
  {"metric": "ingest during the burst, alerts on vs off", "unit": "records/s", "uplift": on["records_per_s"],
   "reference": off["records_per_s"], "reference_tool": "uplift serve --no-alerts, same burst",
   "ratio": round(on["records_per_s"] / off["records_per_s"], 3), "higher_is_better": True, "goal": ">= 0.9",
   "met": on["records_per_s"] >= 0.9 * off["records_per_s"]},
  {"metric": "read p99 GET /v1/accounts/{id} during the burst, alerts on vs off", "unit": "ms", "uplift": on["read_p99_ms"],
   "reference": off["read_p99_ms"], "reference_tool": "uplift serve --no-alerts, same burst",
   "ratio": round(on["read_p99_ms"] / off["read_p99_ms"], 3), "higher_is_better": False, "goal": "<= 1.1",
   "met": on["read_p99_ms"] <= 1.1 * off["read_p99_ms"]},
  {"metric": "peak resident memory of uplift serve, alerts on vs off", "unit": "MiB", "uplift": round(hwm["on"] / 1024, 1),
   "reference": round(hwm["off"] / 1024, 1), "reference_tool": "uplift serve --no-alerts", "ratio": round(hwm["on"] / hwm["off"], 3),
   "higher_is_better": False, "goal": "reported"},
]
print(json.dumps({"benchmark": "alerts", "scale": scale, "burst_accounts": n, "off": off, "on": on, "direct": direct,
                  "delivered": len(burst), "comparisons": cmp, "machine": machine}, indent=2))
PY
python3 bench/lib/show.py bench/results/alerts.json
echo "==> wrote bench/results/alerts.json"
