#!/usr/bin/env bash
# Alert delivery on kept connections: with one delivery worker (one destination, max_in_flight 1),
# every POST goes over the connection that worker keeps. The receiver closes a connection idle
# for 1.5 s (Node: keepAliveTimeout 500 ms, plus its one-second grace); uplift keeps one for up
# to 4 s. So after a pause of 2.5 s the next alert's POST meets
# a connection the receiver has closed — that must not be a failed attempt: the POST is made
# again at once on a new connection (attempts stays 1, and it arrives without waiting for a
# retry). Also: all the burst's POSTs came over very few connections.
source "$(dirname "$0")/lib/server.sh"
fail() { echo "FAIL: $*" >&2; exit 1; }
cd "$(dirname "$0")"

source alerts/lib.sh
alerts_config
KEEPALIVE_MS=500 start_receiver '{}'
cat >"$cfg/triggers/destinations.json" <<JSON
{"destinations": [
  {"name": "crm", "type": "webhook", "url": "http://127.0.0.1:$rport/hook/uplift", "secret": "env:HOOK_SECRET",
   "per_second": 1000, "max_in_flight": 1, "timeout_seconds": 2, "retry_initial_seconds": 30, "retry_max_seconds": 60}],
 "routing": {"default": ["crm"]}}
JSON
serve_demo 120

# The start-up judgement's alerts: every one sent, each on its first attempt.
deadline=$((SECONDS + 60))
until get "/v1/alerts?per_page=500" | jq -e '.total > 0 and all(.items[]; .status == "sent")' >/dev/null; do
  [ $SECONDS -lt $deadline ] || fail "the start-up alerts were not all sent within 60 s"
  sleep 0.2
done
n=$(get "/v1/alerts?per_page=500" | jq '.total')
curl -sS "http://127.0.0.1:$rport/_received" >"$E2E_TMP/received.json"
conns=$(jq '[.[] | select(.ok) | .conn] | unique | length' "$E2E_TMP/received.json")
[ "$n" -ge 5 ] && [ "$conns" -le 2 ] || fail "$n alerts went over $conns connections (one worker keeps one)"

# A pause longer than the receiver keeps an idle connection, shorter than uplift keeps one.
sleep 2.5
write_departure "$E2E_TMP/new.ndjson"
code=$(curl -sS -o "$E2E_TMP/post.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $ingest_key" \
  -H 'Content-Type: application/x-ndjson' --data-binary @"$E2E_TMP/new.ndjson" "$api/v1/records")
[ "$code" = 200 ] || fail "posting the departure gave $code $(cat "$E2E_TMP/post.json")"
# Sent within 10 s (a failed attempt would wait for its retry, 15 s at least).
deadline=$((SECONDS + 10))
until get "/v1/alerts?account=acct-new" | jq -e '[.items[].deliveries[]] | length > 0 and all(.[]; .status == "sent")' >/dev/null; do
  [ $SECONDS -lt $deadline ] || fail "the departure's alert was not sent within 10 s: $(get "/v1/alerts?account=acct-new" | jq -c '[.items[].deliveries[] | {status, attempts, last_error}]')"
  sleep 0.1
done
get "/v1/alerts?account=acct-new" | jq -e '[.items[].deliveries[]] | all(.[]; .attempts == 1)' >/dev/null ||
  fail "the POST on the closed connection counted as a failed attempt: $(get "/v1/alerts?account=acct-new" | jq -c '[.items[].deliveries[] | {attempts, last_error}]')"
curl -sS "http://127.0.0.1:$rport/_received" >"$E2E_TMP/received.json"
conns_after=$(jq '[.[] | select(.ok) | .conn] | unique | length' "$E2E_TMP/received.json")
[ "$conns_after" -gt "$conns" ] || fail "the departure's POST came on an old connection ($conns_after connections in all)"
echo "OK: $n alerts over $conns connection(s); after a 2.5 s pause the closed kept connection was replaced without a failed attempt"
