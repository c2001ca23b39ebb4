#!/usr/bin/env bash
# Alerts on MariaDB (issue 17): two `uplift serve` replicas on one PRIVATE MariaDB database (own
# datadir and port through tests/mariadb.sh, stopped at the end) judge the same demo data and share
# one outbox:
#  * both start at once and judge every account: each episode raises one alert, and each alert is
#    delivered once — by one of the two replicas — to the Standard Webhooks receiver;
#  * MariaDB outage: an alert is pending (the receiver answers 500), MariaDB stops for a few
#    seconds, the receiver recovers meanwhile; once MariaDB is back the alert goes out, without
#    restarting either replica.
# Skipped when mariadb-server is not installed.
source "$(dirname "$0")/lib/server.sh"
fail() { echo "FAIL: $*" >&2; exit 1; }
if ! command -v mariadbd >/dev/null && [ ! -x /usr/sbin/mariadbd ]; then
  echo "SKIPPED: mariadb-server is not installed"; exit 0
fi
cd "$(dirname "$0")"
BUILD=${UPLIFT_BUILD_DIR:-$UPLIFT_SOURCE_DIR/build}
export UPLIFT_MARIADB_DIR="$BUILD/alerts-mariadb"
export UPLIFT_TEST_MYSQL_PORT; UPLIFT_TEST_MYSQL_PORT=$(free_port)
MARIADB="$UPLIFT_SOURCE_DIR/tests/mariadb.sh"
stop_mariadb() { "$MARIADB" stop >/dev/null 2>&1 || true; }
trap 'stop_mariadb; e2e_cleanup' EXIT
"$MARIADB" start >"$E2E_TMP/mariadb.log" 2>&1 || { cat "$E2E_TMP/mariadb.log"; fail "private MariaDB did not start"; }
DB=$(sed -n 's/^UPLIFT_TEST_MYSQL=//p' "$UPLIFT_MARIADB_DIR/env")
DB="${DB%/*}/uplift_alerts"
# A fresh database each run (the private datadir may be left from an earlier run).
mariadb --no-defaults -uroot --socket="$UPLIFT_MARIADB_DIR/mysqld.sock" -e "DROP DATABASE IF EXISTS uplift_alerts" ||
  fail "could not drop the old database"

source alerts/lib.sh
alerts_config
start_receiver '{}'
cat >"$cfg/triggers/destinations.json" <<JSON
{"destinations": [
  {"name": "crm", "type": "webhook", "url": "http://127.0.0.1:$rport/hook/uplift", "secret": "env:HOOK_SECRET",
   "per_second": 200, "max_in_flight": 4, "timeout_seconds": 2, "retry_initial_seconds": 0.3, "retry_max_seconds": 1}]}
JSON

"$UPLIFT_BIN" demo generate --accounts 200 --seed 5 --out "$E2E_TMP/demo" >/dev/null
"$UPLIFT_BIN" import --db "$DB" "$E2E_TMP"/demo/*.ndjson >/dev/null
read_key=$(make_key "$DB" analyst maria-read)
ingest_key=$(make_key "$DB" ingest maria-ingest)
pa=$(free_port); pb=$(free_port)
start_server "$DB" "$pa" --config "$cfg"; pid_a=$SERVER_PID
start_server "$DB" "$pb" --config "$cfg"; pid_b=$SERVER_PID
wait_ready "$pa" 90; wait_ready "$pb" 90
get() { curl -sS -H "Authorization: Bearer $read_key" "http://127.0.0.1:$1$2"; }

all_sent() {
  get "$1" "/v1/alerts?per_page=500" >"$E2E_TMP/alerts.json" &&
    jq -e '.total > 0 and all(.items[]; .status == "sent")' "$E2E_TMP/alerts.json" >/dev/null
}
deadline=$((SECONDS + 90))
until all_sent "$pb"; do
  [ $SECONDS -lt $deadline ] || fail "alerts not all sent within 90 s: $(jq -c '[.items[] | select(.status != "sent") | {id, status}] | .[:3]' "$E2E_TMP/alerts.json")"
  sleep 0.5
done
n=$(jq '.total' "$E2E_TMP/alerts.json")
# One alert per (rule, account) episode, though two replicas judged every account.
[ "$(jq '[.items[] | [.rule, .account.id]] | unique | length' "$E2E_TMP/alerts.json")" = "$n" ] ||
  fail "an episode was raised twice"
curl -sS "http://127.0.0.1:$rport/_received" >"$E2E_TMP/received.json"
[ "$(jq '[.[] | select(.ok)] | length' "$E2E_TMP/received.json")" = "$n" ] ||
  fail "$n alerts but $(jq '[.[] | select(.ok)] | length' "$E2E_TMP/received.json") deliveries: each alert must be delivered once"
[ "$(jq '[.[] | select(.ok) | .id] | unique | length' "$E2E_TMP/received.json")" = "$n" ] || fail "an alert was delivered twice"
sent_a=$(curl -sS "http://127.0.0.1:$pa/metrics" | awk '/^uplift_alert_deliveries_total\{outcome="sent"\}/ {print $2}')
sent_b=$(curl -sS "http://127.0.0.1:$pb/metrics" | awk '/^uplift_alert_deliveries_total\{outcome="sent"\}/ {print $2}')
[ $((sent_a + sent_b)) = "$n" ] || fail "the replicas report $sent_a + $sent_b deliveries for $n alerts"

# Outage: an alert waits in the outbox (receiver failing), MariaDB stops, the receiver recovers,
# MariaDB comes back: the alert goes out without a restart.
curl -sS -X POST -d '{"/hook": ["always500"]}' "http://127.0.0.1:$rport/_plan" >/dev/null
as_of=$(jq -r '.now' "$E2E_TMP/demo/truth.json")
printf '%s\n%s\n' \
  "{\"kind\":\"account\",\"id\":\"acct-out\",\"name\":\"Outage Inc\",\"csm\":\"ana\",\"tier\":\"smb\",\"plan\":\"starter\",\"arr\":1000,\"renewal_date\":\"$(date -u -d "$as_of + 20 days" +%F)\",\"created_at\":\"2026-01-05T00:00:00Z\"}" \
  "{\"kind\":\"learner\",\"id\":\"acct-out-u1\",\"account\":\"acct-out\",\"role\":\"admin\",\"email\":\"a@out.example.com\",\"created_at\":\"2026-01-05T00:00:00Z\",\"departed_at\":\"$(date -u -d "$as_of - 1 day" +%FT%TZ)\"}" |
  curl -fsS -o /dev/null -X POST -H "Authorization: Bearer $ingest_key" -H 'Content-Type: application/x-ndjson' \
    --data-binary @- "http://127.0.0.1:$pa/v1/records" || fail "posting the departure"
deadline=$((SECONDS + 30))
until get "$pb" "/v1/alerts?account=acct-out&status=retrying" | jq -e '.total >= 1' >/dev/null; do
  [ $SECONDS -lt $deadline ] || fail "the departure's alert is not retrying against the failing receiver"
  sleep 0.2
done
id=$(get "$pb" "/v1/alerts?account=acct-out&trigger=sponsor_departed_before_renewal" | jq -r '.items[0].id')
"$MARIADB" stop >>"$E2E_TMP/mariadb.log" 2>&1
curl -sS -X POST -d '{}' "http://127.0.0.1:$rport/_plan" >/dev/null
sleep 4
[ "$(curl -sS "http://127.0.0.1:$rport/_received" | jq --arg id "$id" '[.[] | select(.ok and .id == $id)] | length')" = 0 ] ||
  fail "the alert went out while the database was down (its outbox entry could not be claimed)"
"$MARIADB" start >>"$E2E_TMP/mariadb.log" 2>&1 || fail "MariaDB did not come back"
deadline=$((SECONDS + 60))
until [ "$(curl -sS "http://127.0.0.1:$rport/_received" | jq --arg id "$id" '[.[] | select(.ok and .id == $id)] | length')" -ge 1 ]; do
  [ $SECONDS -lt $deadline ] || fail "the pending alert was not delivered after MariaDB came back"
  sleep 0.3
done
for pid in "$pid_a" "$pid_b"; do kill -0 "$pid" || fail "a replica died during the outage"; done
echo "OK: two replicas, $n alerts each delivered once ($sent_a by A, $sent_b by B); a pending alert went out after a MariaDB outage"
