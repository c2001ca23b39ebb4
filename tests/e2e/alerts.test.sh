#!/usr/bin/env bash
# Alert delivery end to end (issue 17): `uplift serve` on demo data with the shipped trigger rules,
# a Slack destination and a Standard Webhooks destination pointing at a real local receiver
# (tests/e2e/alerts/receiver.mjs: Block Kit structure checked, every webhook verified with the
# `standardwebhooks` npm library) that fails on a schedule (500, connection reset, a timeout), and
# two more destinations for one CSM's accounts: one always answers 500, one refuses connections.
# Asserts: every alert reaches both receivers with its account context, the same id on every retry
# and redelivery, the failing destinations are dead-lettered with their reason, filters and errors
# of /v1/alerts, redelivery, and a new alert fired by an ingest reaches both receivers.
source "$(dirname "$0")/lib/server.sh"
fail() { echo "FAIL: $*" >&2; exit 1; }
cd "$(dirname "$0")"

source alerts/lib.sh
alerts_config
# The receiver closes a keep-alive connection idle for 1.5 s (Node: keepAliveTimeout 500 ms plus
# its one-second grace); uplift keeps one up to 4 s.
KEEPALIVE_MS=500 start_receiver '{"/hook": ["500", "reset", "timeout"], "/slack": ["500", "reset"], "/dead": ["always500"]}'
dead_csm=kemi
closed_port=$(free_port)  # nothing listens there: every attempt is a refused connection
cat >"$cfg/triggers/destinations.json" <<JSON
{"destinations": [
  {"name": "team-slack", "type": "slack", "url": "http://127.0.0.1:$rport/slack/T000/B000/xyz",
   "per_second": 200, "max_in_flight": 4, "retry_initial_seconds": 0.2, "retry_max_seconds": 1},
  {"name": "crm", "type": "webhook", "url": "http://127.0.0.1:$rport/hook/uplift", "secret": "env:HOOK_SECRET",
   "per_second": 200, "max_in_flight": 4, "timeout_seconds": 1, "retry_initial_seconds": 0.2, "retry_max_seconds": 1},
  {"name": "broken", "type": "webhook", "url": "http://127.0.0.1:$rport/dead", "secret": "env:HOOK_SECRET",
   "retry_initial_seconds": 0.2, "retry_max_seconds": 0.5, "give_up_after_seconds": 3},
  {"name": "refused", "type": "slack", "url": "http://127.0.0.1:$closed_port/slack/x", "per_second": 100,
   "retry_initial_seconds": 0.2, "retry_max_seconds": 0.5, "give_up_after_seconds": 3}],
 "routing": {"default": ["team-slack", "crm"], "by_csm": {"$dead_csm": ["team-slack", "crm", "broken", "refused"]}}}
JSON
serve_demo 300

# Every alert settles (sent everywhere, or dead on the broken destination) within a bound.
settled() {
  get "/v1/alerts?per_page=500" >"$E2E_TMP/alerts.json"
  jq -e '.total > 0 and .total == (.items | length) and
         all(.items[]; .status == "sent" or .status == "partial")' "$E2E_TMP/alerts.json" >/dev/null
}
deadline=$((SECONDS + 90))
until settled; do
  [ $SECONDS -lt $deadline ] || { jq -c '[.items[] | {id, status, deliveries}] | .[:3]' "$E2E_TMP/alerts.json" >&2; fail "alerts did not settle in 90 s"; }
  sleep 0.5
done
n=$(jq '.total' "$E2E_TMP/alerts.json")
curl -sS "http://127.0.0.1:$rport/_received" >"$E2E_TMP/received.json"

# Both receivers got every alert, verified; nothing they received is outside the alert ids.
jq -r '.items[].id' "$E2E_TMP/alerts.json" | sort >"$E2E_TMP/ids"
for path in hook slack; do
  jq -r --arg p "/$path" '[.[] | select(.path | startswith($p))] | map(.id) | unique | .[]' "$E2E_TMP/received.json" |
    sort >"$E2E_TMP/got-$path"
  cmp -s "$E2E_TMP/ids" "$E2E_TMP/got-$path" ||
    { diff "$E2E_TMP/ids" "$E2E_TMP/got-$path" | head -5 >&2; fail "/$path did not receive exactly the $n alert ids"; }
  bad=$(jq --arg p "/$path" '[.[] | select((.path | startswith($p)) and (.ok | not))] | length' "$E2E_TMP/received.json")
  [ "$bad" = 0 ] || fail "/$path refused $bad deliveries: $(jq -c --arg p "/$path" '[.[] | select((.path | startswith($p)) and (.ok | not)).why] | unique' "$E2E_TMP/received.json")"
done
# Deliveries to one destination share kept connections (a connection each cost the receiver an
# accept and uplift a connect): at most half as many connections as deliveries.
for path in hook slack; do
  jq -e --arg p "/$path" '[.[] | select((.path | startswith($p)) and .ok)] | length >= 10 and ([.[].conn] | unique | length) * 2 <= length' \
    "$E2E_TMP/received.json" >/dev/null ||
    fail "/$path: $(jq --arg p "/$path" '[.[] | select((.path | startswith($p)) and .ok)] | "\(length) deliveries over \([.[].conn] | unique | length) connections"' "$E2E_TMP/received.json")"
done
# The scheduled failures were retried: some delivery needed more than one attempt.
jq -e '[.items[].deliveries[] | select(.destination == "crm") | .attempts] | max >= 2' "$E2E_TMP/alerts.json" >/dev/null ||
  fail "no crm delivery was retried, though the receiver failed three times"
# The broken destination is dead-lettered for the routed CSM's alerts, with the reason.
jq -e --arg c "$dead_csm" '[.items[] | select(.account.csm == $c)] | length > 0 and
    all(.[]; .status == "partial" and any(.deliveries[]; .destination == "broken" and .status == "dead" and (.last_error | startswith("HTTP 500"))) and
             any(.deliveries[]; .destination == "refused" and .status == "dead" and (.last_error == "connection refused")))' \
  "$E2E_TMP/alerts.json" >/dev/null || fail "the always-failing destination was not dead-lettered for $dead_csm's alerts"
jq -e --arg c "$dead_csm" 'all(.items[] | select(.account.csm != $c); .status == "sent")' "$E2E_TMP/alerts.json" >/dev/null ||
  fail "an alert of another CSM is not sent"
# The pre-assembled context: account, ARR, renewal, stage, frontier, recommendation, action.
jq -e '[.[] | select(.path | startswith("/hook")) | .body.data | select(.rule == "usage_decline_outreach")] |
    length > 0 and all(.[]; (.account.arr | type) == "number" and (.account.renewal_date | type) == "string" and
                            (.stage | type) == "string" and (.frontier | type) == "array" and
                            (.recommended | type) == "array" and (.what | test("usage_decline")) and .action != "")' \
  "$E2E_TMP/received.json" >/dev/null || fail "a usage-decline webhook lacks its account context"

# Filters and errors.
get "/v1/alerts?trigger=usage_decline_outreach&per_page=500" | jq -e 'all(.items[]; .rule == "usage_decline_outreach") and .total > 0' >/dev/null ||
  fail "the trigger filter"
get "/v1/alerts?csm=$dead_csm&per_page=500" | jq -e --arg c "$dead_csm" 'all(.items[]; .account.csm == $c) and .total > 0' >/dev/null ||
  fail "the csm filter"
get "/v1/alerts?status=partial&per_page=2&page=1" | jq -e '.per_page == 2 and (.items | length) <= 2' >/dev/null || fail "paging"
code=$(curl -sS -o "$E2E_TMP/e.json" -w '%{http_code}' -H "Authorization: Bearer $read_key" "$api/v1/alerts?trigger=nope")
[ "$code" = 400 ] && grep -q "trigger: no rule 'nope'" "$E2E_TMP/e.json" || fail "an unknown trigger gave $code"
code=$(curl -sS -o "$E2E_TMP/e.json" -w '%{http_code}' -H "Authorization: Bearer $read_key" "$api/v1/alerts?colour=red")
[ "$code" = 400 ] && grep -q "unknown parameter 'colour'" "$E2E_TMP/e.json" || fail "an unknown parameter gave $code"
code=$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $read_key" "$api/v1/alerts/alr_0000000000000000")
[ "$code" = 404 ] || fail "an unknown alert gave $code"

# Redelivery: admin only; the same id arrives again at both receivers.
id=$(jq -r '[.items[] | select(.status == "sent")][0].id' "$E2E_TMP/alerts.json")
code=$(curl -sS -o /dev/null -w '%{http_code}' -X POST -d "" -H "Authorization: Bearer $read_key" "$api/v1/alerts/$id/redeliver")
[ "$code" = 403 ] || fail "redelivery with an analyst key gave $code"
code=$(curl -sS -o "$E2E_TMP/r.json" -w '%{http_code}' -X POST -d "" -H "Authorization: Bearer $admin_key" "$api/v1/alerts/$id/redeliver?destination=ghost")
[ "$code" = 404 ] || fail "redelivery to an unknown destination gave $code"
code=$(curl -sS -o "$E2E_TMP/r.json" -w '%{http_code}' -X POST -d "" -H "Authorization: Bearer $admin_key" "$api/v1/alerts/$id/redeliver")
[ "$code" = 202 ] && jq -e '.queued | sort == ["crm", "team-slack"]' "$E2E_TMP/r.json" >/dev/null || fail "redelivery gave $code $(cat "$E2E_TMP/r.json")"
deadline=$((SECONDS + 30))
until [ "$(curl -sS "http://127.0.0.1:$rport/_received" | jq --arg id "$id" '[.[] | select(.id == $id and .ok)] | length')" -ge 4 ]; do
  [ $SECONDS -lt $deadline ] || fail "the redelivered alert $id did not arrive again at both receivers"
  sleep 0.2
done

# A change ingested now fires a new alert: an admin of an account renewing in 40 days leaves.
write_departure "$E2E_TMP/new.ndjson"
sleep 2.5  # the receiver has closed every kept connection: the next POST on one meets a closed socket
t0=$(date +%s%3N)
code=$(curl -sS -o "$E2E_TMP/post.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $ingest_key" \
  -H 'Content-Type: application/x-ndjson' --data-binary @"$E2E_TMP/new.ndjson" "$api/v1/records")
[ "$code" = 200 ] || fail "posting the departure gave $code $(cat "$E2E_TMP/post.json")"
deadline=$((SECONDS + 30))
until curl -sS "http://127.0.0.1:$rport/_received" |
    jq -e '[.[] | select(.ok and (((.body.data.account.id // "") == "acct-new" and .body.data.rule == "sponsor_departed_before_renewal") or
                                  (.body.text // "" | test("^Champion left.*Fresh Ltd"))))] | length >= 2' >/dev/null; do
  [ $SECONDS -lt $deadline ] || fail "the departure's alert did not reach both receivers"
  sleep 0.05
done
t1=$(date +%s%3N)
get "/v1/alerts?account=acct-new" | jq -e '[.items[] | select(.rule == "sponsor_departed_before_renewal")] | length == 1' >/dev/null ||
  fail "the departure raised $(get "/v1/alerts?account=acct-new" | jq -c '[.items[].rule]')"
# A kept connection the receiver had closed is not a failed attempt: the POST is made again at once
# on a new connection (else this attempt would fail and the alert wait for its retry).
get "/v1/alerts?account=acct-new" | jq -e '[.items[] | select(.rule == "sponsor_departed_before_renewal") | .deliveries[]] |
    length == 2 and all(.[]; .status == "sent" and .attempts == 1)' >/dev/null ||
  fail "the departure's deliveries: $(get "/v1/alerts?account=acct-new" | jq -c '[.items[].deliveries[] | {destination, status, attempts, last_error}]')"

# Metrics.
curl -sS "$api/metrics" >"$E2E_TMP/metrics"
sent=$(awk '/^uplift_alert_deliveries_total\{outcome="sent"\}/ {print $2}' "$E2E_TMP/metrics")
dead=$(awk '/^uplift_alert_deliveries_total\{outcome="dead"\}/ {print $2}' "$E2E_TMP/metrics")
[ "${sent:-0}" -ge $((2 * n)) ] && [ "${dead:-0}" -ge 1 ] || fail "metrics: sent=$sent dead=$dead for $n alerts"
grep -q '^uplift_alert_delivery_latency_seconds_count ' "$E2E_TMP/metrics" || fail "no delivery latency histogram"
echo "OK: $n alerts delivered to Slack and a signed webhook through scheduled failures; dead-lettered $dead; a new departure reached both receivers $((t1 - t0)) ms after its POST returned"
