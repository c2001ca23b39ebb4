#!/usr/bin/env bash
# kill -9 while alerts are pending (issue 17): `uplift serve` with a slow Standard Webhooks
# receiver and a Slack receiver is killed five times — each time right after an ingest fired a new
# alert and while deliveries are in flight. After a last start, every alert that was ever fired
# reaches both receivers (verified), nothing is lost, and anything received twice carries the same
# alert id (receivers deduplicate on it).
source "$(dirname "$0")/lib/server.sh"
fail() { echo "FAIL: $*" >&2; exit 1; }
cd "$(dirname "$0")"

source alerts/lib.sh
alerts_config
SLOW_MS=150 start_receiver '{}'
cat >"$cfg/triggers/destinations.json" <<JSON
{"destinations": [
  {"name": "team-slack", "type": "slack", "url": "http://127.0.0.1:$rport/slack/T000/B000/xyz",
   "per_second": 100, "max_in_flight": 2, "timeout_seconds": 2, "retry_initial_seconds": 0.2, "retry_max_seconds": 1},
  {"name": "crm", "type": "webhook", "url": "http://127.0.0.1:$rport/hook/uplift", "secret": "env:HOOK_SECRET",
   "per_second": 100, "max_in_flight": 2, "timeout_seconds": 2, "retry_initial_seconds": 0.2, "retry_max_seconds": 1}]}
JSON

db="sqlite:$E2E_TMP/u.db"
"$UPLIFT_BIN" demo generate --accounts 200 --seed 11 --out "$E2E_TMP/demo" >/dev/null
"$UPLIFT_BIN" import --db "$db" "$E2E_TMP"/demo/*.ndjson >/dev/null
read_key=$(make_key "$db" analyst crash-read)
ingest_key=$(make_key "$db" ingest crash-ingest)
as_of=$(jq -r '.now' "$E2E_TMP/demo/truth.json")
renewal=$(date -u -d "$as_of + 30 days" +%F)
left=$(date -u -d "$as_of - 2 days" +%FT%TZ)

for i in 1 2 3 4 5; do
  port=$(free_port)
  start_server "$db" "$port" --config "$cfg"
  wait_ready "$port" 60
  printf '%s\n%s\n' \
    "{\"kind\":\"account\",\"id\":\"acct-k$i\",\"name\":\"Killed $i\",\"csm\":\"ana\",\"tier\":\"smb\",\"plan\":\"starter\",\"arr\":1000,\"renewal_date\":\"$renewal\",\"created_at\":\"2026-01-05T00:00:00Z\"}" \
    "{\"kind\":\"learner\",\"id\":\"acct-k$i-u1\",\"account\":\"acct-k$i\",\"role\":\"owner\",\"email\":\"o@k$i.example.com\",\"created_at\":\"2026-01-05T00:00:00Z\",\"departed_at\":\"$left\"}" |
    curl -fsS -o /dev/null -X POST -H "Authorization: Bearer $ingest_key" -H 'Content-Type: application/x-ndjson' \
      --data-binary @- "http://127.0.0.1:$port/v1/records" || fail "ingest before kill $i"
  sleep "0.$((RANDOM % 8 + 2))"
  kill -9 "$SERVER_PID"
  wait "$SERVER_PID" 2>/dev/null || true
done
before=$(curl -sS "http://127.0.0.1:$rport/_received" | jq 'length')

port=$(free_port)
start_server "$db" "$port" --config "$cfg"
wait_ready "$port" 60
get() { curl -sS -H "Authorization: Bearer $read_key" "http://127.0.0.1:$port$1"; }
deadline=$((SECONDS + 120))  # a delivery claimed by a killed process waits out its lease (timeout + 10 s)
until get "/v1/alerts?per_page=500" >"$E2E_TMP/alerts.json" &&
    jq -e '.total > 0 and all(.items[]; .status == "sent")' "$E2E_TMP/alerts.json" >/dev/null; do
  [ $SECONDS -lt $deadline ] || fail "alerts still undelivered after the restarts: $(jq -c '[.items[] | select(.status != "sent") | {id, status}] | .[:5]' "$E2E_TMP/alerts.json")"
  sleep 0.5
done
n=$(jq '.total' "$E2E_TMP/alerts.json")
for i in 1 2 3 4 5; do
  jq -e --arg a "acct-k$i" '[.items[] | select(.account.id == $a and .rule == "sponsor_departed_before_renewal")] | length == 1' \
    "$E2E_TMP/alerts.json" >/dev/null || fail "the departure ingested before kill $i raised no alert (or more than one)"
done
curl -sS "http://127.0.0.1:$rport/_received" >"$E2E_TMP/received.json"
jq -r '.items[].id' "$E2E_TMP/alerts.json" | sort >"$E2E_TMP/ids"
for path in hook slack; do
  jq -r --arg p "/$path" '[.[] | select((.path | startswith($p)) and .ok)] | map(.id) | unique | .[]' "$E2E_TMP/received.json" |
    sort >"$E2E_TMP/got-$path"
  cmp -s "$E2E_TMP/ids" "$E2E_TMP/got-$path" ||
    { diff "$E2E_TMP/ids" "$E2E_TMP/got-$path" | head -5 >&2; fail "/$path did not receive exactly the $n fired alerts"; }
done
[ "$(jq '[.[] | select(.ok | not)] | length' "$E2E_TMP/received.json")" = 0 ] || fail "a receiver refused a delivery"
total=$(jq 'length' "$E2E_TMP/received.json")
dups=$((total - 2 * n))
echo "OK: 5 kill -9 during delivery; $n alerts, every one received by both receivers ($before deliveries before the last start, $dups repeated with the same id)"
